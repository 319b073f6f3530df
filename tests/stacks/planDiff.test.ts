/**
 * The offline plan diff (plan/diff.ts, scripts/planDiff.ts): two plans of llama31-pd written to
 * temp dirs, one as the stack file has it and one with decodeReplicas=12, and what the diff says.
 */
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    diffLines,
    diffPlanDirs,
    HELM_RELEASE_TYPE,
    PlanDiff,
    REPORT_MARKER,
    renderMarkdown,
    unifiedDiff,
    yamlSection,
} from "../../plan/diff";
import { buildPlan, writePlan } from "../../plan/offline/plan";
import { loadPlanConfig } from "../../plan/offline/stackFiles";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");
const DECODE = "serving.StatefulSet.decode.yaml";

/** Plans a stack in-process (as npm run plan does) into `out`, keeping pulumi.log.warn quiet. */
async function planInto(stack: string, sets: string[], out: string): Promise<void> {
    const config = loadPlanConfig(ROOT, stack, sets);
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
        if (!(typeof args[0] === "string" && args[0].startsWith("warning: [runtime] "))) {
            consoleWarn(...args);
        }
    };
    try {
        writePlan(await buildPlan(config), out, config.secretValues);
    } finally {
        console.warn = consoleWarn;
    }
}

function runCli(args: string[]): SpawnSyncReturns<string> {
    const result = spawnSync(TSX, ["scripts/planDiff.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
    if (result.error) {
        throw result.error;
    }
    return result;
}

/** Markdown without its fenced code blocks (the YAML diffs show unchanged context lines). */
function outsideCode(markdown: string): string {
    return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

function copyDir(from: string, to: string): void {
    fs.cpSync(from, to, { recursive: true });
}

describe("offline plan diff (plan/diff.ts)", function () {
    this.timeout(60000);
    let tmp: string;
    let base: string;
    let head: string;
    let diff: PlanDiff;
    let markdown: string;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-plan-diff-"));
        base = path.join(tmp, "base");
        head = path.join(tmp, "head");
        await planInto("llama31-pd", [], base);
        await planInto("llama31-pd", ["decodeReplicas=12"], head);
        diff = diffPlanDirs(base, head);
        markdown = renderMarkdown(diff);
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe("llama31-pd, decodeReplicas 8 -> 12", () => {
        it("names the stack and starts the report with the hidden marker", () => {
            assert.strictEqual(diff.stack, "llama31-pd");
            assert.ok(diff.changed);
            assert.ok(markdown.startsWith(`${REPORT_MARKER}\n`), markdown.slice(0, 200));
        });

        it("reports the decode StatefulSet changed, replicas 8 -> 12 in its YAML diff", () => {
            const decode = diff.kubernetes.changed.find((m) => m.file === DECODE);
            assert.ok(decode, `changed: ${diff.kubernetes.changed.map((m) => m.file).join(", ")}`);
            assert.deepStrictEqual([decode.namespace, decode.kind, decode.name], ["serving", "StatefulSet", "decode"]);
            assert.deepStrictEqual(decode.changes, [{ path: "spec.replicas", base: 8, head: 12 }]);
            const lines = decode.diff.split("\n");
            assert.ok(lines.includes("-  replicas: 8") && lines.includes("+  replicas: 12"), decode.diff);
            assert.ok(lines[0] === `--- base/manifests/${DECODE}` && lines[1] === `+++ head/manifests/${DECODE}`, decode.diff);
            assert.ok(markdown.includes("-  replicas: 8\n+  replicas: 12"), "the YAML diff is in the report");
            assert.ok(markdown.includes(`changed \`${DECODE}\``));
        });

        it("adds and removes no Kubernetes objects", () => {
            assert.deepStrictEqual(diff.kubernetes.added, []);
            assert.deepStrictEqual(diff.kubernetes.removed, []);
        });

        it("reports +4 GPUs requested and +4 decode replicas", () => {
            assert.deepStrictEqual(diff.summary.gpusRequested, { base: 16, head: 20, delta: 4 });
            assert.deepStrictEqual(diff.summary.decodeReplicas, { base: 8, head: 12, delta: 4 });
            assert.match(markdown, /^\| GPUs requested \| 16 \| 20 \| \*\*\+4\*\* \|$/m);
            assert.match(markdown, /^\| Decode replicas \| 8 \| 12 \| \*\*\+4\*\* \|$/m);
        });

        it("reports the GPU node group growing from 2 to 3 nodes (+8 GPUs provisioned)", () => {
            assert.deepStrictEqual(diff.summary.gpuNodes, { base: 2, head: 3, delta: 1 });
            assert.deepStrictEqual(diff.summary.gpusProvisioned, { base: 16, head: 24, delta: 8 });
            assert.deepStrictEqual(diff.summary.gpuInstanceType, { base: "p5.48xlarge", head: "p5.48xlarge" });
            const groups = diff.cloudResources.changed.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
            assert.strictEqual(groups.length, 1, JSON.stringify(diff.cloudResources.changed));
            assert.deepStrictEqual(
                groups[0].changes.find((c) => c.path === "scalingConfig.desiredSize"),
                { path: "scalingConfig.desiredSize", base: 2, head: 3 },
            );
            assert.match(markdown, /^\| GPUs provisioned \| 16 \| 24 \| \*\*\+8\*\* \|$/m);
            assert.match(markdown, /^\| GPU nodes \(p5\.48xlarge\) \| 2 \| 3 \| \*\*\+1\*\* \|$/m);
            assert.ok(
                markdown.includes(
                    `changed \`aws:eks/nodeGroup:NodeGroup\` \`${groups[0].name}\`: \`scalingConfig.desiredSize\`: \`2\` → \`3\``,
                ),
                markdown,
            );
        });

        it("adds and removes no cloud resources and changes no Helm release", () => {
            assert.deepStrictEqual(diff.cloudResources.added, []);
            assert.deepStrictEqual(diff.cloudResources.removed, []);
            assert.deepStrictEqual(diff.helmReleases, { added: [], removed: [], changed: [] });
            assert.ok(markdown.includes("Unchanged: Helm releases."));
        });

        it("reports the cost delta of one more p5.48xlarge: +$55.04/h", () => {
            const cost = diff.summary.hourlyCostUsd;
            assert.ok(cost.delta !== null && Math.abs(cost.delta - 55.04) < 1e-9, JSON.stringify(cost));
            const gpuNodes = diff.summary.costBreakdown.gpuNodes;
            assert.deepStrictEqual(gpuNodes, { base: 110.08, head: 165.12, delta: 55.04 });
            for (const line of ["systemNodes", "eksControlPlane", "natGateways"]) {
                assert.strictEqual(diff.summary.costBreakdown[line].delta, 0, line);
            }
            assert.match(markdown, /^\| Hourly cost \(on demand\) \| \$111\.52\/h \| \$166\.56\/h \| \*\*\+\$55\.04\/h\*\* \|$/m);
        });

        it("says nothing about prefill", () => {
            const k8s = [...diff.kubernetes.added, ...diff.kubernetes.removed, ...diff.kubernetes.changed];
            assert.deepStrictEqual(
                k8s.filter((m) => m.file.includes("prefill")).map((m) => m.file),
                [],
            );
            assert.deepStrictEqual(diff.summary.prefillReplicas, { base: 8, head: 8, delta: 0 });
            const cloud = [...diff.cloudResources.added, ...diff.cloudResources.removed, ...diff.cloudResources.changed];
            assert.deepStrictEqual(
                cloud.filter((r) => /prefill/i.test(r.name)),
                [],
            );
            assert.deepStrictEqual(
                [...diff.config, ...diff.outputs].filter((c) => /prefill/i.test(c.path)),
                [],
            );
            assert.ok(!/prefill/i.test(outsideCode(markdown)), outsideCode(markdown));
        });

        it("shows the config change that caused it", () => {
            assert.deepStrictEqual(diff.config, [{ path: "decodeReplicas", base: 8, head: 12 }]);
        });
    });

    it("reports no changes for identical plans", () => {
        const same = diffPlanDirs(base, base);
        assert.strictEqual(same.changed, false);
        assert.deepStrictEqual(
            [same.kubernetes, same.helmReleases, same.cloudResources],
            [
                { added: [], removed: [], changed: [] },
                { added: [], removed: [], changed: [] },
                { added: [], removed: [], changed: [] },
            ],
        );
        assert.strictEqual(same.summary.gpusRequested.delta, 0);
        const text = renderMarkdown(same);
        assert.ok(text.startsWith(REPORT_MARKER));
        assert.ok(text.includes("No changes"), text);
        assert.ok(!text.includes("```"), "no diff blocks");
    });

    it("reports a removed and an added manifest", () => {
        const modified = path.join(tmp, "modified");
        copyDir(base, modified);
        fs.rmSync(path.join(modified, "manifests", "serving.Service.router.yaml"));
        fs.writeFileSync(
            path.join(modified, "manifests", "serving.ConfigMap.extra.config.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra.config\n  namespace: serving\n",
        );
        const d = diffPlanDirs(base, modified);
        assert.deepStrictEqual(
            d.kubernetes.removed.map((m) => m.file),
            ["serving.Service.router.yaml"],
        );
        assert.deepStrictEqual(d.kubernetes.added, [
            { file: "serving.ConfigMap.extra.config.yaml", namespace: "serving", kind: "ConfigMap", name: "extra.config" },
        ]);
        assert.deepStrictEqual(d.kubernetes.changed, []);
        const text = renderMarkdown(d);
        assert.ok(text.includes("#### Kubernetes objects: 1 added, 1 removed"), text);
        assert.ok(
            text.includes("- added `serving.ConfigMap.extra.config.yaml`") && text.includes("- removed `serving.Service.router.yaml`"),
            text,
        );
    });

    it("reports which of chart, version and values of a Helm release changed", () => {
        const modified = path.join(tmp, "helm");
        copyDir(base, modified);
        const planFile = path.join(modified, "plan.json");
        const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
        const release = plan.resources.find((r: { type: string }) => r.type === HELM_RELEASE_TYPE);
        assert.ok(release, "llama31-pd has Helm releases");
        release.inputs.version = `${release.inputs.version}-next`;
        release.inputs.values = { ...release.inputs.values, extraValue: true };
        fs.writeFileSync(planFile, JSON.stringify(plan, null, 2));
        const d = diffPlanDirs(base, modified);
        assert.strictEqual(d.helmReleases.changed.length, 1);
        const change = d.helmReleases.changed[0];
        assert.strictEqual(change.name, release.name);
        assert.deepStrictEqual(change.changed, ["version", "values"]);
        assert.strictEqual(change.chart, null);
        assert.deepStrictEqual(change.values, [{ path: "extraValue", base: undefined, head: true }]);
        assert.deepStrictEqual(d.cloudResources.changed, [], "a Helm release is not also a cloud resource");
        assert.ok(renderMarkdown(d).includes(`changed \`${release.name}\` (version, values)`));
    });

    it("treats a base that does not exist (a new stack) as empty", () => {
        const d = diffPlanDirs(path.join(tmp, "no-such-dir"), base);
        assert.strictEqual(d.baseExists, false);
        assert.ok(d.changed);
        assert.deepStrictEqual(d.kubernetes.removed, []);
        assert.strictEqual(d.kubernetes.added.length, fs.readdirSync(path.join(base, "manifests")).length);
        assert.ok(d.cloudResources.added.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup"));
        assert.deepStrictEqual(d.summary.gpusRequested, { base: 0, head: 16, delta: 16 });
        assert.ok(renderMarkdown(d).includes("The base has no plan of this stack"));
    });

    describe("CLI (scripts/planDiff.ts)", () => {
        it("prints the report, writes --markdown-out and exits 0", () => {
            const out = path.join(tmp, "report", "llama.md");
            const run = runCli([base, head, "--stack-name", "llama31-pd (PR)", "--markdown-out", out]);
            assert.strictEqual(run.status, 0, run.stderr);
            assert.ok(run.stdout.startsWith(REPORT_MARKER), run.stdout.slice(0, 200));
            assert.ok(run.stdout.includes("stack `llama31-pd (PR)`"));
            assert.strictEqual(fs.readFileSync(out, "utf8"), run.stdout);
            assert.strictEqual(run.stdout, renderMarkdown({ ...diff, stack: "llama31-pd (PR)" }));
        });

        it("exits 2 with one line on missing arguments", () => {
            for (const args of [[], [base], [base, head, "--stack-name"], [base, head, "--bogus"]]) {
                const run = runCli(args);
                assert.strictEqual(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
                const lines = run.stderr.split("\n").filter((l) => l.trim() !== "");
                assert.strictEqual(lines.length, 1, run.stderr);
                assert.ok(lines[0].includes("usage"), run.stderr);
                assert.strictEqual(run.stdout, "");
            }
        });

        it("exits 1 when the head directory has no plan", () => {
            const run = runCli([base, path.join(tmp, "missing-head")]);
            assert.strictEqual(run.status, 1, run.stderr);
            assert.ok(run.stderr.includes("missing-head"), run.stderr);
        });
    });
});

describe("line diff (plan/diff.ts)", () => {
    it("finds a shortest edit by LCS", () => {
        const ops = diffLines(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"]);
        assert.deepStrictEqual(
            ops.map((o) => `${o.op}${o.line}`),
            [" a", "-b", "+x", " c", " d", "+e"],
        );
        assert.deepStrictEqual(diffLines([], []), []);
        assert.deepStrictEqual(
            diffLines(["a"], []).map((o) => o.op),
            ["-"],
        );
    });

    it("writes unified hunks with 3 lines of context and a YAML section", () => {
        const base = [
            "kind: StatefulSet",
            "spec:",
            "  a: 1",
            "  b: 2",
            "  c: 3",
            "  replicas: 8",
            "  d: 4",
            "  e: 5",
            "  f: 6",
            "  g: 7",
            "  h: 8",
            "  i: 9",
            "  j: 10",
            "  k: 11",
            "",
        ].join("\n");
        const head = base.replace("replicas: 8", "replicas: 12").replace("k: 11", "k: 12");
        assert.strictEqual(unifiedDiff(base, base), "");
        assert.strictEqual(
            unifiedDiff(base, head, { baseName: "a.yaml", headName: "b.yaml" }),
            [
                "--- a.yaml",
                "+++ b.yaml",
                "@@ -3,7 +3,7 @@ spec",
                "   a: 1",
                "   b: 2",
                "   c: 3",
                "-  replicas: 8",
                "+  replicas: 12",
                "   d: 4",
                "   e: 5",
                "   f: 6",
                "@@ -11,4 +11,4 @@ spec",
                "   h: 8",
                "   i: 9",
                "   j: 10",
                "-  k: 11",
                "+  k: 12",
                "",
            ].join("\n"),
        );
    });

    it("locates a line inside lists of maps", () => {
        const lines = [
            "spec:",
            "  containers:",
            "    - args:",
            "        - --x",
            "      image: y",
            "    - name: z",
            "      env:",
            "        - name: A",
            "          value: b",
        ];
        assert.strictEqual(yamlSection(lines, 3), "spec.containers[].args");
        assert.strictEqual(yamlSection(lines, 4), "spec.containers[]");
        assert.strictEqual(yamlSection(lines, 8), "spec.containers[].env[]");
        assert.strictEqual(yamlSection(lines, 0), "");
    });
});
