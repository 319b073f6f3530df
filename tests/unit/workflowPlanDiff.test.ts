/** The plan-diff workflows: the plan diff of a pull request, and the comment that posts it. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPORT_MARKER } from "../../plan/diff";
import { ROOT, TSX, workflowFiles, load, steps, step, usesAction, runStep, fakeNpm } from "../helpers/workflows";

describe("GitHub workflows (.github/workflows)", function () {
    this.timeout(60000);

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
});
