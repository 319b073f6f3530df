/**
 * The pure validators at their limits, on both sides: the value at a limit passes, one step past
 * it fails on the named key. Each case would catch an off-by-one or a flipped comparison.
 */
import * as assert from "assert";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { KNOWN_MODELS } from "../../stacks/catalog/models";
import { ConfigError, configErrorsOf } from "../../stacks/errors";
import { parseConfig } from "../../stacks/parse";
import { MAX_NODES_PER_NODE_GROUP } from "../../stacks/schema";
import { allocatableCpuMillis, allocatableMemoryMiB } from "../../stacks/sizing/capacity";
import * as v from "../../stacks/validate";

const P5 = GPU_INSTANCE_TYPES["p5.48xlarge"];
const G5 = GPU_INSTANCE_TYPES["g5.xlarge"];

/** The key of the ConfigError fn throws, or undefined when it passes. */
function failingKey(fn: () => unknown): string | undefined {
    try {
        fn();
        return undefined;
    } catch (err) {
        assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
        return err.key;
    }
}

describe("unit: validator limits", () => {
    it("integer ranges: min and max pass, one past either fails", () => {
        assert.strictEqual(
            failingKey(() => v.validateRange("prefillReplicas", 0)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("prefillReplicas", 1024)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("prefillReplicas", -1)),
            "prefillReplicas",
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("prefillReplicas", 1025)),
            "prefillReplicas",
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("frontendReplicas", 0)),
            "frontendReplicas",
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("frontendReplicas", 1)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("prefillReplicas", 1.5)),
            "prefillReplicas",
        );
    });

    it("string enums: an allowed value passes, anything else fails", () => {
        assert.strictEqual(
            failingKey(() => v.validateRange("graph", "dynamo")),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateRange("graph", "Dynamo")),
            "graph",
        );
    });

    it("GPU node count: exactly enough nodes passes, one fewer fails; 0 derives", () => {
        const shared = (pods: number, podsPerNode: number) => ({ prefillPods: pods / 2, decodePods: pods / 2, podsPerNode, efa: false });
        // 16 pods x 1 GPU on 8-GPU nodes need 2 nodes.
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(2, shared(16, 8), 1, "p5.48xlarge")),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(1, shared(16, 8), 1, "p5.48xlarge")),
            "gpuNodeCount",
        );
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(0, shared(16, 8), 1, "p5.48xlarge")),
            undefined,
        );
        // TP 2 halves the pods per node: 16 pods need 4 nodes.
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(3, shared(16, 4), 2, "p5.48xlarge")),
            "gpuNodeCount",
        );
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(4, shared(16, 4), 2, "p5.48xlarge")),
            undefined,
        );
    });

    it("with EFA each role fills nodes of its own: 9 + 7 on p5 need 3 nodes, 8 + 8 need 2", () => {
        const efa = (prefillPods: number, decodePods: number) => ({ prefillPods, decodePods, podsPerNode: 8, efa: true });
        assert.strictEqual(v.gpuNodesNeeded(efa(8, 8)), 2);
        assert.strictEqual(v.gpuNodesNeeded(efa(9, 7)), 3);
        assert.strictEqual(v.gpuNodesNeeded(efa(12, 4)), 3);
        assert.strictEqual(v.gpuNodesNeeded({ ...efa(9, 7), efa: false }), 2);
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(2, efa(9, 7), 1, "p5.48xlarge")),
            "gpuNodeCount",
        );
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(3, efa(9, 7), 1, "p5.48xlarge")),
            undefined,
        );
    });

    it("the derived node count stops at the managed node group ceiling", () => {
        const atCeiling = {
            prefillPods: (MAX_NODES_PER_NODE_GROUP * P5.gpus) / 2,
            decodePods: (MAX_NODES_PER_NODE_GROUP * P5.gpus) / 2,
            podsPerNode: 8,
            efa: false,
        };
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(0, atCeiling, 1, "p5.48xlarge")),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateGpuNodeCount(0, { ...atCeiling, decodePods: atCeiling.decodePods + 1 }, 1, "p5.48xlarge")),
            "prefillReplicas",
        );
    });

    it("context length: the model's own maximum passes, one token more fails", () => {
        const max = KNOWN_MODELS["meta-llama/Llama-3.1-8B-Instruct"].maxContext;
        const base = {
            model: "meta-llama/Llama-3.1-8B-Instruct",
            modelParamsBillions: "",
            tensorParallelSize: 1,
            gpuInstanceType: "p5.48xlarge",
        };
        assert.strictEqual(
            failingKey(() => v.validateModelFits({ ...base, maxModelLen: max }, P5)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateModelFits({ ...base, maxModelLen: max + 1 }, P5)),
            "maxModelLen",
        );
    });

    it("model weights: 70B fails at TP1 on H100 and passes at the suggested TP", () => {
        const base = {
            model: "meta-llama/Llama-3.1-70B-Instruct",
            modelParamsBillions: "",
            gpuInstanceType: "p5.48xlarge",
            maxModelLen: 8192,
        };
        assert.strictEqual(
            failingKey(() => v.validateModelFits({ ...base, tensorParallelSize: 1 }, P5)),
            "model",
        );
        assert.strictEqual(
            failingKey(() => v.validateModelFits({ ...base, tensorParallelSize: 4 }, P5)),
            undefined,
        );
    });

    it("worker CPU and memory: exactly the node's allocatable share passes, one unit more fails", () => {
        const cpuShare = Math.floor(allocatableCpuMillis(P5, { efa: true, monitoring: false }) / 8);
        const memShare = Math.floor(allocatableMemoryMiB(P5, { efa: true, monitoring: false }) / 8);
        const check = (cpu: string, mem: string) =>
            failingKey(() => v.validateWorkerResources(cpu, mem, "p5.48xlarge", P5, 8, { efa: true, monitoring: false }));
        assert.strictEqual(check(`${cpuShare}m`, `${memShare}Mi`), undefined);
        assert.strictEqual(check(`${cpuShare + 1}m`, `${memShare}Mi`), "workerCpu");
        assert.strictEqual(check(`${cpuShare}m`, `${memShare + 1}Mi`), "workerMemory");
        assert.strictEqual(check("1", "1023Mi"), "workerMemory");
        // One pod per node: the whole allocatable is the share, to the millicore and the MiB.
        const whole = (cpu: number, mem: number) =>
            failingKey(() => v.validateWorkerResources(`${cpu}m`, `${mem}Mi`, "g5.xlarge", G5, 1, { efa: false, monitoring: false }));
        const [cpuLeft, memLeft] = [
            allocatableCpuMillis(G5, { efa: false, monitoring: false }),
            allocatableMemoryMiB(G5, { efa: false, monitoring: false }),
        ];
        assert.strictEqual(whole(cpuLeft, memLeft), undefined);
        assert.strictEqual(whole(cpuLeft + 1, memLeft), "workerCpu");
        assert.strictEqual(whole(cpuLeft, memLeft + 1), "workerMemory");
        assert.strictEqual(check("1", "1Gi"), undefined);
    });

    it("EFA: devices per pod must be at least one; an instance without EFA fails", () => {
        assert.strictEqual(
            failingKey(() => v.validateEfa(true, "p5.48xlarge", P5, 8)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateEfa(true, "g5.xlarge", G5, 1)),
            "efa",
        );
        const p4d = GPU_INSTANCE_TYPES["p4d.24xlarge"];
        assert.strictEqual(
            failingKey(() => v.validateEfa(true, "p4d.24xlarge", p4d, p4d.maxEfaDevices)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateEfa(true, "p4d.24xlarge", p4d, p4d.maxEfaDevices + 1)),
            "efa",
        );
    });

    it("CIDRs: the prefix limits pass, one past either fails; host bits fail", () => {
        assert.strictEqual(
            failingKey(() => v.validateCidr("vpcCidr", "10.0.0.0/16", 16, 20)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateCidr("vpcCidr", "10.0.0.0/20", 16, 20)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateCidr("vpcCidr", "10.0.0.0/15", 16, 20)),
            "vpcCidr",
        );
        assert.strictEqual(
            failingKey(() => v.validateCidr("vpcCidr", "10.0.0.0/21", 16, 20)),
            "vpcCidr",
        );
        assert.strictEqual(
            failingKey(() => v.validateCidr("vpcCidr", "10.0.1.0/16", 16, 20)),
            "vpcCidr",
        );
        assert.strictEqual(
            failingKey(() => v.validateCidr("x", "256.0.0.0/8")),
            "x",
        );
    });

    it("availability zones of a new VPC: 2 and 4 pass, 1 and 5 fail", () => {
        const zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e"];
        const network = (n: number) => ({
            vpcId: "",
            privateSubnetIds: [],
            publicSubnetIds: [],
            vpcCidr: "10.0.0.0/16",
            availabilityZones: zones.slice(0, n),
            gpuAvailabilityZone: "us-east-1a",
            endpointScheme: "internal" as const,
        });
        assert.strictEqual(
            failingKey(() => v.validateNetwork(network(2), "us-east-1")),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateNetwork(network(4), "us-east-1")),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateNetwork(network(1), "us-east-1")),
            "availabilityZones",
        );
        assert.strictEqual(
            failingKey(() => v.validateNetwork(network(5), "us-east-1")),
            "availabilityZones",
        );
    });

    it("etcd and NATS need 3 system nodes: 3 passes, 2 fails, and 1 is fine without them", () => {
        assert.strictEqual(
            failingKey(() => v.validateSystemNodeCount(3, true)),
            undefined,
        );
        assert.strictEqual(
            failingKey(() => v.validateSystemNodeCount(2, true)),
            "systemNodeCount",
        );
        assert.strictEqual(
            failingKey(() => v.validateSystemNodeCount(1, false)),
            undefined,
        );
    });
});

describe("unit: validation reports every bad key at once", () => {
    it("validateStackConfig collects one line per bad key, without cascades", () => {
        const values = parseConfig({ blockSize: "7", vpcCidr: "10.0.0.0/8", workerCpu: "99", gpuNodeCount: "1" });
        let thrown: unknown;
        try {
            v.validateStackConfig(values, { project: "pd-serving", stack: "dev", region: "us-east-1" });
        } catch (err) {
            thrown = err;
        }
        const keys = configErrorsOf(thrown).map((e) => e.key);
        assert.deepStrictEqual([...keys].sort(), ["blockSize", "gpuNodeCount", "vpcCidr", "workerCpu"]);
        configErrorsOf(thrown).forEach((e) => assert.ok(!/\n/.test(e.message)));
    });

    it("an invalid EFA setting is reported alone, not again as a resource shortfall", () => {
        const values = parseConfig({ efa: "true" });
        let thrown: unknown;
        try {
            v.validateStackConfig(values, { project: "pd-serving", stack: "dev", region: "us-east-1" });
        } catch (err) {
            thrown = err;
        }
        assert.deepStrictEqual(
            configErrorsOf(thrown).map((e) => e.key),
            ["efa"],
        );
    });

    it("parseConfig reports every unparsable key, and a valid config passes", () => {
        let thrown: unknown;
        try {
            parseConfig({ efa: "yes", prefillReplicas: "two", model: "ok" });
        } catch (err) {
            thrown = err;
        }
        assert.deepStrictEqual(
            configErrorsOf(thrown)
                .map((e) => e.key)
                .sort(),
            ["efa", "prefillReplicas"],
        );
        assert.doesNotThrow(() => v.validateStackConfig(parseConfig({}), { project: "pd-serving", stack: "dev", region: "us-east-1" }));
    });
});
