/** The preview workflow: `pulumi preview` of every stack on a pull request. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, load, step, usesAction, runStep } from "../helpers/workflows";

describe("GitHub workflows (.github/workflows)", function () {
    this.timeout(60000);

    describe("preview.yml", () => {
        const wf = () => load("preview.yml");
        const job = () => Object.values(wf().jobs ?? {})[0];

        it("previews dev and llama31-pd on pull requests with OIDC and PR-comment permissions", () => {
            assert.deepStrictEqual(Object.keys(wf().on!), ["pull_request"]);
            assert.deepStrictEqual(wf().permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
            assert.deepStrictEqual(job().strategy?.matrix?.stack, ["dev", "llama31-pd"]);
            for (const stack of job().strategy?.matrix?.stack as string[]) {
                assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack);
            }
        });

        it("runs pulumi/actions preview with the PR comment, AWS by role from a repository variable", () => {
            const pulumi = step(wf(), usesAction("pulumi/actions"), "runs pulumi");
            assert.strictEqual(pulumi.with?.command, "preview");
            assert.strictEqual(pulumi.with?.["comment-on-pr"], true);
            assert.strictEqual(pulumi.with?.["edit-pr-comment"], true);
            assert.strictEqual(pulumi.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
            assert.ok(String(pulumi.with?.["stack-name"]).includes("matrix.stack"));
            assert.strictEqual(pulumi.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
            const aws = step(wf(), usesAction("aws-actions/configure-aws-credentials"), "configures AWS");
            assert.strictEqual(aws.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
            assert.ok(!("aws-access-key-id" in (aws.with ?? {})), "no long-lived keys");
        });

        it("is skipped, with a clear message, where the secrets are absent (forks)", () => {
            const [check, ...rest] = job().steps ?? [];
            assert.ok(check.run && check.id, "the first step checks for credentials");
            for (const s of rest) {
                assert.ok(
                    String(s.if ?? "").includes(`steps.${check.id}.outputs.enabled == 'true'`),
                    `${s.name ?? s.uses} runs without credentials`,
                );
            }
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-preview-"));
            try {
                const probe = (env: Record<string, string>) => {
                    const output = path.join(dir, "output");
                    const summary = path.join(dir, "summary");
                    fs.writeFileSync(output, "");
                    fs.writeFileSync(summary, "");
                    const run = runStep(String(check.run), dir, {
                        GITHUB_OUTPUT: output,
                        GITHUB_STEP_SUMMARY: summary,
                        STACK: "llama31-pd",
                        PULUMI_ACCESS_TOKEN: "",
                        PULUMI_BACKEND_URL: "",
                        AWS_ROLE_ARN: "",
                        ...env,
                    });
                    assert.strictEqual(run.status, 0, run.stderr);
                    return { output: fs.readFileSync(output, "utf8"), stdout: run.stdout, summary: fs.readFileSync(summary, "utf8") };
                };
                const fork = probe({});
                assert.strictEqual(fork.output.trim(), "enabled=false");
                assert.match(
                    fork.stdout,
                    /^::notice title=pulumi preview skipped::Skipping pulumi preview of stack llama31-pd: not set: the AWS_ROLE_ARN variable; the PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL secret\./m,
                );
                assert.ok(fork.summary.includes("forks"), fork.summary);
                assert.strictEqual(probe({ AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/preview" }).output.trim(), "enabled=false");
                assert.strictEqual(
                    probe({ AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/preview", PULUMI_ACCESS_TOKEN: "pul-x" }).output.trim(),
                    "enabled=true",
                );
                assert.strictEqual(
                    probe({ AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/preview", PULUMI_BACKEND_URL: "s3://state" }).output.trim(),
                    "enabled=true",
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
