/**
 * Pre-flight checks (issue 6): an impossible or infeasible stack must stop at preview, before any
 * resource is registered, with one line naming the key, instead of a 40-minute `pulumi up` that
 * ends with GPU pods Pending. Each case runs the real program (plan/run.ts runProgram, as the
 * offline plan and `pulumi preview` do) in-process; three run the CLI as users do (exit code 2).
 */
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../../plan/offline/mocks";
import { runProgram } from "../../plan/offline/run";
import { loadPlanConfig } from "../../plan/offline/stackFiles";
import { configErrorsOf } from "../../stacks/errors";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { ROOT } from "../helpers/plan";

interface Case {
    name: string;
    stack: "dev" | "llama31-pd";
    sets: string[];
    /** The exact key the error must name. */
    key: string;
    /** Text the message must contain besides the key (numbers, the way out). */
    mentions?: string[];
}

const VPC = ["vpcId=vpc-0123456789abcdef0", "privateSubnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef1"];

const CASES: Case[] = [
    // GPUs: pods against nodes, nodes against EKS.
    {
        name: "16 single-GPU pods on 1 p5.48xlarge (8 GPUs)",
        stack: "llama31-pd",
        sets: ["gpuNodeCount=1"],
        key: "gpuNodeCount",
        mentions: ["8 prefill and 8 decode", "separate nodes", "at least 2"],
    },
    {
        name: "a derived node count over 450 (600 pods on g5.xlarge)",
        stack: "dev",
        sets: ["prefillReplicas=300", "decodeReplicas=300"],
        key: "prefillReplicas",
        mentions: ["600", "450"],
    },
    {
        name: "tensorParallelSize=2 on a 1-GPU g5.xlarge",
        stack: "dev",
        sets: ["tensorParallelSize=2"],
        key: "tensorParallelSize",
        mentions: ["g5.xlarge", "1 GPU"],
    },
    {
        name: "tensorParallelSize=3 (not a power of two)",
        stack: "llama31-pd",
        sets: ["tensorParallelSize=3"],
        key: "tensorParallelSize",
        mentions: ["1, 2, 4, 8"],
    },
    { name: "tensorParallelSize=16 (more than any node)", stack: "llama31-pd", sets: ["tensorParallelSize=16"], key: "tensorParallelSize" },
    // CPU and memory per node, raw and after kubelet reservations and DaemonSets.
    {
        name: "workerCpu=8 on a 4-vCPU g5.xlarge",
        stack: "dev",
        sets: ["workerCpu=8"],
        key: "workerCpu",
        mentions: ["g5.xlarge", "allocatable"],
    },
    {
        name: "workerCpu=3900m: under g5.xlarge's 4 vCPUs, over what reservations and DaemonSets leave",
        stack: "dev",
        sets: ["workerCpu=3900m"],
        key: "workerCpu",
        mentions: ["allocatable", "at most"],
    },
    {
        name: "workerCpu=24 x 8 pods = p5.48xlarge's 192 vCPUs, over what reservations and DaemonSets leave",
        stack: "llama31-pd",
        sets: ["workerCpu=24"],
        key: "workerCpu",
        mentions: ["192 CPU", "p5.48xlarge"],
    },
    { name: "workerCpu not a quantity", stack: "dev", sets: ["workerCpu=two"], key: "workerCpu" },
    {
        name: "workerMemory=200Gi on a 16 GiB g5.xlarge",
        stack: "dev",
        sets: ["workerMemory=200Gi"],
        key: "workerMemory",
        mentions: ["g5.xlarge"],
    },
    {
        name: "workerMemory=15Gi: under g5.xlarge's 16 GiB, over what reservations leave",
        stack: "dev",
        sets: ["workerMemory=15Gi"],
        key: "workerMemory",
        mentions: ["allocatable", "at most"],
    },
    // Model weights against GPU memory.
    {
        name: "70B weights on one H100 each: suggests tensorParallelSize=4",
        stack: "llama31-pd",
        sets: ["model=meta-llama/Llama-3.1-70B-Instruct"],
        key: "model",
        mentions: ["70.6B", "tensorParallelSize=4"],
    },
    {
        name: "70B weights on a single 48 GB L40S (g6e.xlarge)",
        stack: "dev",
        sets: ["model=meta-llama/Llama-3.1-70B-Instruct", "gpuInstanceType=g6e.xlarge", "workerMemory=20Gi"],
        key: "model",
        mentions: ["g6e.xlarge", "more GPU memory"],
    },
    {
        name: "an unknown model whose id names no size",
        stack: "dev",
        sets: ["model=acme/mystery-model"],
        key: "model",
        mentions: ["modelParamsBillions"],
    },
    {
        name: "modelParamsBillions not a number",
        stack: "dev",
        sets: ["model=acme/mystery-model", "modelParamsBillions=lots"],
        key: "modelParamsBillions",
    },
    {
        name: "modelParamsBillions=0",
        stack: "dev",
        sets: ["model=acme/mystery-model", "modelParamsBillions=0"],
        key: "modelParamsBillions",
    },
    {
        name: "maxModelLen above Qwen3-0.6B's 40960-token context",
        stack: "dev",
        sets: ["maxModelLen=65536"],
        key: "maxModelLen",
        mentions: ["40960"],
    },
    { name: "an invalid model id", stack: "dev", sets: ["model=not a model"], key: "model" },
    // EFA.
    { name: "efa=true on g5.xlarge (no EFA)", stack: "dev", sets: ["efa=true"], key: "efa", mentions: ["g5.xlarge", "p5.48xlarge"] },
    {
        name: "efa=true on p4d.24xlarge with 8 pods per node (4 EFA devices)",
        stack: "llama31-pd",
        sets: ["gpuInstanceType=p4d.24xlarge"],
        key: "efa",
        mentions: ["p4d.24xlarge", "tensorParallelSize"],
    },
    {
        name: "efa=true with vllm-router in a region without the vLLM DLC image (af-south-1)",
        stack: "llama31-pd",
        sets: ["aws:region=af-south-1"],
        key: "aws:region",
        mentions: ["af-south-1", "efa"],
    },
    // Engine settings.
    { name: "blockSize=48", stack: "dev", sets: ["blockSize=48"], key: "blockSize", mentions: ["16, 32, 64, 128"] },
    { name: "only decode pods parked", stack: "dev", sets: ["decodeReplicas=0"], key: "decodeReplicas" },
    // Capacity.
    {
        name: "gpuCapacityType=CAPACITY_BLOCK without a reservation id",
        stack: "llama31-pd",
        sets: ["gpuCapacityType=CAPACITY_BLOCK"],
        key: "gpuCapacityReservationId",
        mentions: ["CAPACITY_BLOCK"],
    },
    {
        name: "a malformed capacity reservation id",
        stack: "llama31-pd",
        sets: ["gpuCapacityReservationId=cr-nothex"],
        key: "gpuCapacityReservationId",
    },
    {
        name: "gpuSubnetIds without vpcId",
        stack: "dev",
        sets: ["gpuSubnetIds=subnet-0123456789abcdef0"],
        key: "gpuSubnetIds",
        mentions: ["vpcId"],
    },
    {
        name: "a reservation in an existing VPC without gpuSubnetIds",
        stack: "llama31-pd",
        sets: [...VPC, "gpuCapacityReservationId=cr-0123456789abcdef0"],
        key: "gpuSubnetIds",
    },
    // Platform.
    {
        name: "graph=dynamo with 2 system nodes (etcd/NATS need 3)",
        stack: "dev",
        sets: ["graph=dynamo", "systemNodeCount=2"],
        key: "systemNodeCount",
        mentions: ["3"],
    },
    { name: "an unknown system instance type", stack: "dev", sets: ["systemInstanceType=t3.nano"], key: "systemInstanceType" },
    {
        name: "an unknown GPU instance type",
        stack: "dev",
        sets: ["gpuInstanceType=p3.2xlarge"],
        key: "gpuInstanceType",
        mentions: ["p5.48xlarge"],
    },
    { name: "kubernetesVersion=1.29", stack: "dev", sets: ["kubernetesVersion=1.29"], key: "kubernetesVersion", mentions: ["1.35"] },
    {
        name: "kubernetesVersion=1.34 (standard support ends 2026-12-02)",
        stack: "dev",
        sets: ["kubernetesVersion=1.34"],
        key: "kubernetesVersion",
        mentions: ["2026-12-02", "1.35, 1.36"],
    },
    {
        name: "9 prefill + 7 decode with EFA on a fixed 2 x p5.48xlarge (roles need 2 + 1 nodes)",
        stack: "llama31-pd",
        sets: ["prefillReplicas=9", "decodeReplicas=7", "gpuNodeCount=2"],
        key: "gpuNodeCount",
        mentions: ["9 prefill and 7 decode", "at least 3"],
    },
    // Plain config mistakes.
    { name: "an unknown key (typo)", stack: "dev", sets: ["prefilReplicas=2"], key: "prefilReplicas", mentions: ["prefillReplicas"] },
    { name: "graph=triton", stack: "dev", sets: ["graph=triton"], key: "graph", mentions: ["dynamo", "vllm-router"] },
    { name: "efa=yes (not a boolean)", stack: "dev", sets: ["efa=yes"], key: "efa", mentions: ["true or false"] },
    {
        name: "routerPolicy=least_loaded",
        stack: "dev",
        sets: ["routerPolicy=least_loaded"],
        key: "routerPolicy",
        mentions: ["cache_aware", "consistent_hash"],
    },
    {
        name: "dynamoRouterMode=kv-aware",
        stack: "dev",
        sets: ["graph=dynamo", "dynamoRouterMode=kv-aware"],
        key: "dynamoRouterMode",
        mentions: ["kv"],
    },
    { name: "a malformed aws:region", stack: "dev", sets: ["aws:region=us-east"], key: "aws:region" },
    { name: "gpuAvailabilityZone in another region", stack: "dev", sets: ["gpuAvailabilityZone=us-west-2a"], key: "gpuAvailabilityZone" },
    // Network.
    { name: "vpcCidr=10.0.0.0/33", stack: "dev", sets: ["vpcCidr=10.0.0.0/33"], key: "vpcCidr" },
    {
        name: "an endpointAllowedCidrs entry that is no CIDR",
        stack: "dev",
        sets: ["endpointScheme=internet-facing", "endpointAllowedCidrs=203.0.113.0/24,not-a-cidr"],
        key: "endpointAllowedCidrs",
        mentions: ["not-a-cidr"],
    },
    {
        name: "an internet-facing endpoint without an allowlist",
        stack: "dev",
        sets: ["endpointScheme=internet-facing"],
        key: "endpointAllowedCidrs",
    },
];

let registered = 0;

/** Runs the program under the config; resolves with the error it rejected with (or fails). */
async function rejection(stack: string, sets: string[]): Promise<unknown> {
    const config = loadPlanConfig(ROOT, stack, sets);
    registered = 0;
    try {
        await runProgram(config);
    } catch (err) {
        // Registrations are asynchronous: let any in flight reach the mocks before counting.
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        return err;
    }
    return assert.fail(`${stack} ${sets.join(" ")} was accepted (${registered} resources registered)`);
}

describe("preflight: invalid and infeasible stacks stop before any resource is registered", () => {
    const original = PlanMocks.prototype.newResource;
    before(() => {
        // runProgram constructs its own PlanMocks: count registrations through the prototype.
        PlanMocks.prototype.newResource = function (this: PlanMocks, args: pulumi.runtime.MockResourceArgs) {
            registered += 1;
            return original.call(this, args);
        };
    });
    after(() => {
        PlanMocks.prototype.newResource = original;
    });

    it("has at least 25 cases, with distinct configs", () => {
        assert.ok(CASES.length >= 25, `${CASES.length} cases`);
        const configs = CASES.map((c) => `${c.stack} ${c.sets.join(" ")}`);
        assert.strictEqual(new Set(configs).size, configs.length);
    });

    it("counts registrations: the valid dev stack registers resources through the same path", async () => {
        registered = 0;
        await runProgram(loadPlanConfig(ROOT, "dev", []));
        assert.ok(registered > 20, `${registered} resources`);
    });

    it("the raw-vs-allocatable cases really fit the instance's raw size", () => {
        assert.ok(3.9 <= GPU_INSTANCE_TYPES["g5.xlarge"].vcpu, "3900m fits 4 vCPUs");
        assert.ok(24 * 8 <= GPU_INSTANCE_TYPES["p5.48xlarge"].vcpu, "8 x 24 fits 192 vCPUs");
        assert.ok(15 <= GPU_INSTANCE_TYPES["g5.xlarge"].memoryGiB, "15Gi fits 16 GiB");
    });

    for (const c of CASES) {
        it(`${c.name} -> '${c.key}'`, async () => {
            const thrown = await rejection(c.stack, c.sets);
            const errors = configErrorsOf(thrown);
            assert.ok(
                errors.length > 0,
                `expected ConfigErrors, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`,
            );
            errors.forEach((e) => assert.ok(!/[\r\n]/.test(e.message), `not one line: ${JSON.stringify(e.message)}`));
            const err = errors.find((e) => e.key === c.key);
            assert.ok(err, `no error on '${c.key}': ${errors.map((e) => e.message).join(" | ")}`);
            assert.ok(!/[\r\n]/.test(err.message), `not one line: ${JSON.stringify(err.message)}`);
            assert.ok(err.message.includes(`'${c.key}'`), `does not name '${c.key}': ${err.message}`);
            for (const text of c.mentions ?? []) {
                assert.ok(err.message.includes(text), `does not mention ${JSON.stringify(text)}: ${err.message}`);
            }
            assert.strictEqual(registered, 0, `${registered} resources were registered before the check`);
        });
    }

    it("leaves the runtime usable: a valid stack plans after the failures", async () => {
        registered = 0;
        await runProgram(loadPlanConfig(ROOT, "dev", []));
        assert.ok(registered > 20);
    });
});

const TSX = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

describe("preflight through the CLI: exit 2 and one line on stderr, nothing written", function () {
    this.timeout(120000);
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-preflight-"));
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    function plan(name: string, args: string[]): { run: SpawnSyncReturns<string>; out: string; lines: string[] } {
        const out = path.join(tmp, name);
        const run = spawnSync(TSX, ["scripts/plan.ts", "--out", out, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
        if (run.error) {
            throw run.error;
        }
        return { run, out, lines: run.stderr.split("\n").filter((l) => l.trim() !== "") };
    }

    function assertRejected(result: ReturnType<typeof plan>, key: string, mentions: string[]): void {
        assert.strictEqual(result.run.status, 2, `stdout: ${result.run.stdout}\nstderr: ${result.run.stderr}`);
        assert.strictEqual(result.lines.length, 1, result.run.stderr);
        assert.ok(result.lines[0].includes(`'${key}'`), result.lines[0]);
        for (const text of mentions) {
            assert.ok(result.lines[0].includes(text), `does not mention ${JSON.stringify(text)}: ${result.lines[0]}`);
        }
        assert.ok(!fs.existsSync(result.out), "the plan was written");
    }

    it("llama31-pd with gpuNodeCount=1: 8 prefill and 8 decode pods need 2 nodes (roles on separate nodes with EFA)", () => {
        assertRejected(plan("one-node", ["--stack", "llama31-pd", "--set", "gpuNodeCount=1"]), "gpuNodeCount", [
            "8 prefill and 8 decode",
            "8 GPUs",
            "at least 2",
        ]);
    });

    it("a 70B model on a single 48 GB GPU (g6e.xlarge) names model", () => {
        const result = plan("70b", [
            "--stack",
            "dev",
            "--set",
            "model=meta-llama/Llama-3.1-70B-Instruct",
            "--set",
            "gpuInstanceType=g6e.xlarge",
            "--set",
            "workerMemory=20Gi",
        ]);
        assertRejected(result, "model", ["g6e.xlarge", "GiB"]);
    });

    it("a pod asking more CPU than the instance has names workerCpu", () => {
        assertRejected(plan("cpu", ["--stack", "dev", "--set", "workerCpu=8"]), "workerCpu", ['"8"', "g5.xlarge"]);
    });
});
