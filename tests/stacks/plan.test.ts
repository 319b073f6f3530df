/**
 * The offline plan as users run it: `npm run plan -- --stack <name> [--out <dir>] [--set k=v]`
 * (scripts/plan.ts) as a subprocess, and how plan/stackFiles.ts merges Pulumi.yaml defaults,
 * the stack file and --set overrides. Subprocesses cost ~2 s each, so there are three.
 */
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadPlanConfig, SECURE_PLACEHOLDER } from "../../plan/offline/stackFiles";
import { SECRET_PLACEHOLDER } from "../../plan/offline/mocks";
import { resolveStackConfig } from "../../stacks/resolve";
import { ConfigError, isConfigError } from "../../stacks/errors";
import { planConfig, projectStrings, ROOT } from "../helpers/plan";

const TSX = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

function runPlan(args: string[]): SpawnSyncReturns<string> {
    const result = spawnSync(TSX, ["scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
    if (result.error) {
        throw result.error;
    }
    return result;
}

function lines(text: string): string[] {
    return text.split("\n").filter((line) => line.trim() !== "");
}

function listTree(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

function configErrorOf(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (err) {
        assert.ok(isConfigError(err), String(err));
        return err;
    }
    assert.fail("expected a ConfigError");
}

describe("plan CLI (scripts/plan.ts)", function () {
    this.timeout(120000);
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-plan-test-"));
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe("a valid plan with --set overrides", () => {
        let out: string;
        let run: SpawnSyncReturns<string>;
        let plan: {
            config: Record<string, unknown>;
            resources: { type: string; inputs: Record<string, unknown> }[];
            summary: { region: string; gpuNodes: number; kubernetesObjects: number };
        };
        before(() => {
            out = path.join(tmp, "valid");
            fs.mkdirSync(path.join(out, "manifests"), { recursive: true });
            fs.writeFileSync(path.join(out, "plan.json"), "{}\n");
            fs.writeFileSync(path.join(out, "stale.txt"), "from an earlier run");
            fs.writeFileSync(path.join(out, "manifests", "default.Deployment.removed.yaml"), "kind: Deployment\n");
            run = runPlan([
                "--stack",
                "dev",
                "--out",
                out,
                "--set",
                "gpuNodeCount=3",
                "--set",
                "dynamoInfra=true",
                "--set",
                "aws:region=us-west-2",
                "--set",
                "availabilityZones=us-west-2a,us-west-2b",
                "--set",
                "gpuAvailabilityZone=us-west-2b",
            ]);
            if (run.status === 0) {
                plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
            }
        });

        it("exits 0", () => {
            assert.strictEqual(run.status, 0, `stderr: ${run.stderr}`);
        });

        it("writes plan.json and manifests/ (one file per Kubernetes object)", () => {
            assert.ok(fs.statSync(path.join(out, "plan.json")).isFile());
            assert.ok(fs.statSync(path.join(out, "manifests")).isDirectory());
            assert.strictEqual(fs.readdirSync(path.join(out, "manifests")).length, plan.summary.kubernetesObjects);
        });

        it("empties --out first: files from an earlier run are gone", () => {
            assert.ok(!fs.existsSync(path.join(out, "stale.txt")));
            assert.ok(!fs.existsSync(path.join(out, "manifests", "default.Deployment.removed.yaml")));
        });

        it("parses --set values to their schema types in plan.json", () => {
            assert.strictEqual(plan.config.gpuNodeCount, 3);
            assert.strictEqual(plan.config.dynamoInfra, true);
            assert.deepStrictEqual(plan.config.availabilityZones, ["us-west-2a", "us-west-2b"]);
        });

        it("takes provider keys such as aws:region as they are", () => {
            assert.strictEqual(plan.config["aws:region"], "us-west-2");
            assert.strictEqual(plan.summary.region, "us-west-2");
            assert.ok(!("pd-serving:aws:region" in plan.config));
        });

        it("plans what the overrides ask for (3 GPU nodes in us-west-2b)", () => {
            assert.strictEqual(plan.summary.gpuNodes, 3);
            const gpu = plan.resources.find(
                (r) =>
                    r.type === "aws:eks/nodeGroup:NodeGroup" &&
                    (r.inputs.labels as Record<string, string>)["pd-serving/node-pool"] === "gpu",
            );
            assert.ok(gpu);
            assert.strictEqual(plan.config.gpuAvailabilityZone, "us-west-2b");
        });

        it("prints where the plan went", () => {
            assert.ok(run.stdout.includes(out), run.stdout);
        });
    });

    describe("invalid config", () => {
        let out: string;
        let run: SpawnSyncReturns<string>;
        before(() => {
            out = path.join(tmp, "invalid");
            run = runPlan(["--stack", "dev", "--out", out, "--set", "prefillReplicas=-1"]);
        });

        it("exits 2", () => {
            assert.strictEqual(run.status, 2, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
        });

        it("prints exactly one line on stderr naming the key and the value", () => {
            assert.strictEqual(lines(run.stderr).length, 1, run.stderr);
            assert.ok(run.stderr.includes("prefillReplicas") && run.stderr.includes("-1"), run.stderr);
            assert.ok(!run.stderr.includes("    at "), "no stack trace");
        });

        it("writes nothing", () => {
            assert.ok(!fs.existsSync(out), `${out} was created`);
        });
    });

    describe("unknown stack", () => {
        let out: string;
        let run: SpawnSyncReturns<string>;
        before(() => {
            out = path.join(tmp, "unknown-stack");
            fs.mkdirSync(out);
            fs.writeFileSync(path.join(out, "plan.json"), "{}\n");
            fs.writeFileSync(path.join(out, "keep.txt"), "previous plan");
            run = runPlan(["--stack", "no-such-stack", "--out", out]);
        });

        it("exits 2 with one line naming the stack and the stacks there are", () => {
            assert.strictEqual(run.status, 2, run.stderr);
            assert.strictEqual(lines(run.stderr).length, 1, run.stderr);
            assert.ok(run.stderr.includes("no-such-stack") && run.stderr.includes("llama31-pd"), run.stderr);
        });

        it("leaves an existing --out untouched", () => {
            assert.deepStrictEqual(listTree(out), ["keep.txt", "plan.json"]);
            assert.strictEqual(fs.readFileSync(path.join(out, "keep.txt"), "utf8"), "previous plan");
        });
    });
});

describe("plan config merge (plan/stackFiles.ts loadPlanConfig)", () => {
    it("layers Pulumi.yaml defaults, then the stack file, then --set", () => {
        // frontendReplicas: Pulumi.yaml default 2, Pulumi.dev.yaml 1.
        assert.strictEqual(loadPlanConfig(ROOT, "dev", []).config["pd-serving:frontendReplicas"], "1");
        assert.strictEqual(loadPlanConfig(ROOT, "dev", ["frontendReplicas=3"]).config["pd-serving:frontendReplicas"], "3");
        // systemNodeCount: only Pulumi.yaml sets it for dev.
        assert.strictEqual(loadPlanConfig(ROOT, "dev", []).config["pd-serving:systemNodeCount"], "3");
        // Lists from YAML reach the program as JSON, as Pulumi passes them.
        assert.deepStrictEqual(JSON.parse(loadPlanConfig(ROOT, "dev", []).config["pd-serving:availabilityZones"]), [
            "us-east-1a",
            "us-east-1b",
            "us-east-1c",
        ]);
    });

    it("qualifies bare --set keys with the project and keeps namespaced ones", () => {
        const config = loadPlanConfig(ROOT, "dev", ["model=Qwen/Qwen3-8B", "aws:region=eu-west-1"]).config;
        assert.strictEqual(config["pd-serving:model"], "Qwen/Qwen3-8B");
        assert.strictEqual(config["aws:region"], "eu-west-1");
        assert.ok(!("pd-serving:aws:region" in config));
    });

    it("treats --set hfToken as a secret whose value must be scrubbed", () => {
        const config = loadPlanConfig(ROOT, "llama31-pd", ["hfToken=hf_abc123"]);
        assert.ok(config.secretKeys.includes("pd-serving:hfToken"));
        assert.deepStrictEqual(config.secretValues, ["hf_abc123"]);
        assert.deepStrictEqual(loadPlanConfig(ROOT, "llama31-pd", ["hfToken="]).secretValues, []);
    });

    it("rejects a --set without '=' on the --set key", () => {
        const err = configErrorOf(() => loadPlanConfig(ROOT, "dev", ["prefillReplicas"]));
        assert.strictEqual(err.key, "--set");
        assert.ok(err.message.includes("prefillReplicas"));
    });

    it("rejects an unknown stack, and a stack name that is a path, listing the stacks", () => {
        for (const stack of ["nope", "../dev", "dev/../dev"]) {
            const err = configErrorOf(() => loadPlanConfig(ROOT, stack, []));
            assert.strictEqual(err.key, "--stack");
            assert.ok(err.message.includes("dev") && err.message.includes("llama31-pd"), err.message);
        }
    });

    describe("an encrypted secure: value in a stack file", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-secure-test-"));
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.sec.yaml"),
                [
                    "config:",
                    "  aws:region: us-east-1",
                    "  pd-serving:model: meta-llama/Llama-3.1-8B-Instruct",
                    // Llama 8B on the default g5.xlarge (A10G) holds about 25k tokens of KV cache.
                    "  pd-serving:maxModelLen: 16384",
                    "  pd-serving:hfToken:",
                    "    secure: v1:abc",
                    "",
                ].join("\n"),
            );
        });
        after(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("counts as set: a secret key holding the placeholder, not the ciphertext", () => {
            const config = loadPlanConfig(dir, "sec", []);
            assert.ok(config.secretKeys.includes("pd-serving:hfToken"));
            assert.strictEqual(config.config["pd-serving:hfToken"], SECURE_PLACEHOLDER);
            assert.ok(!JSON.stringify(config).includes("v1:abc"));
            const resolved = resolveStackConfig(projectStrings(config), {
                project: config.project,
                stack: "sec",
                region: config.config["aws:region"],
            });
            assert.strictEqual(resolved.hfTokenSet, true);
        });

        it("plans with hfToken shown as a secret and no gated-model warning", async () => {
            const p = await planConfig(loadPlanConfig(dir, "sec", []));
            assert.strictEqual(p.plan.config.hfToken, SECRET_PLACEHOLDER);
            assert.deepStrictEqual(
                p.warnings.filter((w) => w.includes("hfToken")),
                [],
            );
        });
    });
});

describe("plan CLI: --out safety", () => {
    it("refuses to empty a folder that is not an earlier plan (exit 2, nothing deleted)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-out-safety-"));
        fs.writeFileSync(path.join(dir, "precious.txt"), "not a plan");
        const run = runPlan(["--stack", "dev", "--out", dir]);
        assert.strictEqual(run.status, 2, run.stderr);
        assert.match(run.stderr, /'--out'/);
        assert.ok(fs.existsSync(path.join(dir, "precious.txt")));
    });

    it("refuses the repository itself", () => {
        const run = runPlan(["--stack", "dev", "--out", "."]);
        assert.strictEqual(run.status, 2, run.stderr);
        assert.ok(fs.existsSync(path.join(ROOT, "Pulumi.yaml")));
    });
});
