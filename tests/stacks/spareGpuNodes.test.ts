/**
 * spareGpuNodes in the plans: a spare GPU node is one more node in the GPU node group, taken into
 * the summary, the cost output and the vCPU quota, and it runs the GPU DaemonSets (the model
 * cache too, so a worker rescheduled onto it finds the model there).
 */
import * as assert from "assert";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { planStack, StackPlan } from "../helpers/plan";

const P5 = GPU_INSTANCE_TYPES["p5.48xlarge"];
const close = (a: number, b: number) => Math.abs(a - b) < 1e-3;

interface Estimate {
    hourlyCostUsd: number;
    costBreakdown: Record<string, number>;
    spareGpuNodes: number;
    spareGpuNodesHourlyUsd: number;
    gpuUtilisation: number;
    vcpuQuotas: { code: string; vcpus: number }[];
}

describe("spareGpuNodes: llama31-pd with 1 spare p5.48xlarge", () => {
    let base: StackPlan;
    let spare: StackPlan;
    before(async () => {
        base = await planStack("llama31-pd");
        spare = await planStack("llama31-pd", ["spareGpuNodes=1"]);
    });

    it("grows the GPU node group from 2 to 3 nodes (min = desired: the spare is never scaled in) and tags it with the spare count", () => {
        const scaling = spare.nodeGroup("gpu").inputs.scalingConfig as { minSize: number; desiredSize: number; maxSize: number };
        assert.deepStrictEqual(scaling, { minSize: 3, desiredSize: 3, maxSize: 3 });
        assert.deepStrictEqual(spare.nodeGroup("gpu").inputs.tags, { "pd-serving/spare-gpu-nodes": "1" });
        assert.deepStrictEqual(base.nodeGroup("gpu").inputs.tags, { "pd-serving/spare-gpu-nodes": "0" });
        assert.strictEqual(spare.plan.outputs.gpuNodeCount, 3);
    });

    it("the summary counts the spare: 24 GPUs for 16 requested, one more node's price, its share shown apart", () => {
        const s = spare.plan.summary;
        assert.strictEqual(s.gpuNodes, 3);
        assert.strictEqual(s.spareGpuNodes, 1);
        assert.strictEqual(s.gpusProvisioned, 24);
        assert.strictEqual(s.gpusRequested, 16);
        assert.strictEqual(s.gpuUtilisation, 0.6667);
        assert.ok(close(s.spareGpuNodesHourlyUsd, P5.hourlyUsd));
        assert.ok(
            close(s.hourlyCostUsd - base.plan.summary.hourlyCostUsd, P5.hourlyUsd),
            `${s.hourlyCostUsd} vs ${base.plan.summary.hourlyCostUsd}`,
        );
        assert.strictEqual(base.plan.summary.spareGpuNodes, 0);
        assert.strictEqual(base.plan.summary.spareGpuNodesHourlyUsd, 0);
    });

    it("the costEstimate output agrees with the summary, and the P-instance quota grows by one node's vCPUs", () => {
        const e = spare.plan.outputs.costEstimate as Estimate;
        assert.ok(close(e.hourlyCostUsd, spare.plan.summary.hourlyCostUsd));
        assert.strictEqual(e.spareGpuNodes, 1);
        assert.ok(close(e.spareGpuNodesHourlyUsd, P5.hourlyUsd));
        assert.strictEqual(e.gpuUtilisation, 0.6667);
        const p = e.vcpuQuotas.find((q) => q.code === "L-417A185B");
        assert.strictEqual(p?.vcpus, 3 * P5.vcpu);
    });

    it("the spare node runs the model cache too: one more download per deploy, none more worker pods", () => {
        assert.strictEqual(spare.plan.summary.modelDownloadsPerDeploy, base.plan.summary.modelDownloadsPerDeploy + 1);
        assert.strictEqual(spare.plan.summary.prefillReplicas, 8);
        assert.strictEqual(spare.plan.summary.decodeReplicas, 8);
    });

    it("a parked graph keeps no spare node", async () => {
        const parked = await planStack("llama31-pd", ["spareGpuNodes=2", "prefillReplicas=0", "decodeReplicas=0"]);
        assert.strictEqual(parked.plan.summary.gpuNodes, 0);
        assert.strictEqual(parked.plan.summary.spareGpuNodes, 0);
        assert.ok(
            parked.warnings.some((w) => w.includes("spareGpuNodes=2 adds no node while the graph is parked")),
            parked.warnings.join("\n"),
        );
    });
});
