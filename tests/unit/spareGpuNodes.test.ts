/**
 * spareGpuNodes at its limits: spares go on top of the derived GPU node count only, the whole group
 * stays within one managed node group, and a parked graph keeps no spare.
 */
import * as assert from "assert";
import { ConfigError } from "../../stacks/errors";
import { MAX_NODES_PER_NODE_GROUP, MAX_SPARE_GPU_NODES } from "../../stacks/schema";
import { gpuNodeGroupSize } from "../../stacks/sizing/capacity";
import { configWarnings, validateRange, validateSpareGpuNodes } from "../../stacks/validate";

/** The ConfigError fn throws, or undefined when it passes. */
function errorOf(fn: () => unknown): ConfigError | undefined {
    try {
        fn();
        return undefined;
    } catch (err) {
        assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
        return err;
    }
}

/** 8+8 single-GPU pods on p5.48xlarge with EFA: 2 nodes. */
const LLAMA = { prefillPods: 8, decodePods: 8, podsPerNode: 8, efa: true };

describe("unit: spareGpuNodes", () => {
    it("its own range: 0 and MAX_SPARE_GPU_NODES pass, -1 and one more fail with the allowed range", () => {
        assert.strictEqual(
            errorOf(() => validateRange("spareGpuNodes", 0)),
            undefined,
        );
        assert.strictEqual(
            errorOf(() => validateRange("spareGpuNodes", MAX_SPARE_GPU_NODES)),
            undefined,
        );
        for (const bad of [-1, MAX_SPARE_GPU_NODES + 1]) {
            assert.strictEqual(
                errorOf(() => validateRange("spareGpuNodes", bad))?.message,
                `Invalid config 'spareGpuNodes' = ${bad}: must be an integer from 0 to ${MAX_SPARE_GPU_NODES}.`,
            );
        }
    });

    it("with a fixed gpuNodeCount: one line naming spareGpuNodes, its value and both ways out", () => {
        const err = errorOf(() => validateSpareGpuNodes(1, 5, LLAMA));
        assert.strictEqual(err?.key, "spareGpuNodes");
        assert.strictEqual(
            err?.message,
            "Invalid config 'spareGpuNodes' = 1: with a fixed gpuNodeCount (5) the nodes beyond what the workers need are the spares; " +
                "set spareGpuNodes=0, or gpuNodeCount=0 to derive the count and add 1 spare on top.",
        );
        assert.ok(!err.message.includes("\n"));
        assert.strictEqual(
            errorOf(() => validateSpareGpuNodes(0, 5, LLAMA)),
            undefined,
            "0 spare goes with any gpuNodeCount",
        );
        assert.strictEqual(
            errorOf(() => validateSpareGpuNodes(3, 0, LLAMA)),
            undefined,
        );
    });

    it("the workers' nodes plus the spares fit one managed node group: 450 in all passes, 451 fails", () => {
        // 440 single-GPU pods on single-GPU nodes without EFA: 440 nodes.
        const big = { prefillPods: 220, decodePods: 220, podsPerNode: 1, efa: false };
        assert.strictEqual(
            errorOf(() => validateSpareGpuNodes(MAX_NODES_PER_NODE_GROUP - 440, 0, big)),
            undefined,
        );
        const err = errorOf(() => validateSpareGpuNodes(MAX_NODES_PER_NODE_GROUP - 440 + 1, 0, big));
        assert.strictEqual(err?.key, "spareGpuNodes");
        assert.match(err?.message ?? "", /440 \+ 11 spare is over the 450 nodes .*; use at most 10\.$/);
    });

    it("the group is the workers' nodes plus the spares; a parked graph has neither, and says so at preview", () => {
        assert.deepStrictEqual(gpuNodeGroupSize(2, 1, 16), { nodes: 3, spare: 1 });
        assert.deepStrictEqual(gpuNodeGroupSize(2, 0, 16), { nodes: 2, spare: 0 });
        assert.deepStrictEqual(gpuNodeGroupSize(0, 2, 0), { nodes: 0, spare: 0 });
        const base = {
            model: "Qwen/Qwen3-0.6B",
            modelRevision: "",
            hfTokenSet: false,
            graph: "vllm-router",
            efa: false,
            apiPublicAccessCidrs: [],
        };
        const parked = configWarnings({ ...base, spareGpuNodesSet: 2, gpuPods: 0 });
        assert.ok(
            parked.some((w) => w.startsWith("spareGpuNodes=2 adds no node while the graph is parked")),
            parked.join("\n"),
        );
        assert.ok(!configWarnings({ ...base, spareGpuNodesSet: 2, gpuPods: 2 }).some((w) => w.startsWith("spareGpuNodes")));
    });
});
