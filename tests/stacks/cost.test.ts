/**
 * The bill before it is paid (issue 6): the plan summary prices what the program registered
 * (GPU nodes, system nodes, the EKS control plane, NAT gateways) from the one price table in
 * stacks/instances.ts, reports GPU utilisation and the EC2 vCPU quotas the nodes need, and the
 * `costEstimate` stack output (computed from config) agrees with it.
 */
import * as assert from "assert";
import {
    EKS_CONTROL_PLANE_USD_PER_HOUR,
    GPU_INSTANCE_TYPES,
    NAT_GATEWAY_USD_PER_HOUR,
    SYSTEM_INSTANCE_TYPES,
} from "../../stacks/catalog/instances";
import { planStack, StackPlan } from "../helpers/plan";

interface Quota {
    quota: string;
    code: string;
    vcpus: number;
}
interface Estimate {
    hourlyCostUsd: number;
    costBreakdown: Record<string, number>;
    gpuUtilisation: number;
    vcpuQuotas: Quota[];
}

const P_QUOTA = { quota: "Running On-Demand P instances", code: "L-417A185B" };
const G_QUOTA = { quota: "Running On-Demand G and VT instances", code: "L-DB2E81BA" };

const close = (a: number, b: number, epsilon = 1e-3) => Math.abs(a - b) < epsilon;

function estimate(p: StackPlan): Estimate {
    return p.plan.outputs.costEstimate as Estimate;
}

function sum(values: Record<string, number>): number {
    return Object.values(values).reduce((a, b) => a + b, 0);
}

describe("cost: llama31-pd (2 x p5.48xlarge)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd");
    });

    it("hourlyCostUsd is the sum of costBreakdown", () => {
        const s = p.plan.summary;
        assert.ok(close(sum(s.costBreakdown as unknown as Record<string, number>), s.hourlyCostUsd), JSON.stringify(s));
    });

    it("prices the GPU nodes as nodes x the table's p5.48xlarge price", () => {
        const s = p.plan.summary;
        assert.strictEqual(s.gpuNodes, 2);
        assert.ok(close(s.costBreakdown.gpuNodes, 2 * GPU_INSTANCE_TYPES["p5.48xlarge"].hourlyUsd), `${s.costBreakdown.gpuNodes}`);
    });

    it("prices system nodes, the control plane and the 3 NAT gateways from the same table", () => {
        const s = p.plan.summary;
        assert.ok(close(s.costBreakdown.systemNodes, s.systemNodes * SYSTEM_INSTANCE_TYPES[s.systemInstanceType].hourlyUsd));
        assert.strictEqual(s.systemNodes, 3);
        assert.ok(close(s.costBreakdown.eksControlPlane, EKS_CONTROL_PLANE_USD_PER_HOUR));
        assert.ok(close(s.costBreakdown.natGateways, 3 * NAT_GATEWAY_USD_PER_HOUR));
    });

    it("reports GPU utilisation 1.0 (16 of 16 GPUs requested)", () => {
        assert.strictEqual(p.plan.summary.gpuUtilisation, 1);
    });

    it('needs 384 vCPUs of the "Running On-Demand P instances" quota (L-417A185B) for the GPU nodes', () => {
        const quotas = p.plan.summary.vcpuQuotas;
        assert.deepStrictEqual(
            quotas.find((q) => q.code === P_QUOTA.code),
            { ...P_QUOTA, vcpus: 384 },
        );
        assert.ok(!quotas.some((q) => q.code === G_QUOTA.code));
    });

    it("exports costEstimate with the summary's numbers", () => {
        const e = estimate(p);
        const s = p.plan.summary;
        assert.ok(close(e.hourlyCostUsd, s.hourlyCostUsd), `${e.hourlyCostUsd} vs ${s.hourlyCostUsd}`);
        assert.deepStrictEqual(e.costBreakdown, s.costBreakdown);
        assert.strictEqual(e.gpuUtilisation, s.gpuUtilisation);
        assert.deepStrictEqual(e.vcpuQuotas, s.vcpuQuotas);
    });

    it("is on demand", () => {
        assert.strictEqual(p.plan.summary.gpuCapacityType, "ON_DEMAND");
    });
});

describe("cost: llama31-pd with decodeReplicas=12 (20 pods on 3 nodes)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["decodeReplicas=12"]);
    });

    it("provisions 3 nodes and reports utilisation 20/24", () => {
        const s = p.plan.summary;
        assert.strictEqual(s.gpuNodes, 3);
        assert.strictEqual(s.gpusRequested, 20);
        assert.strictEqual(s.gpusProvisioned, 24);
        assert.ok(close(s.gpuUtilisation, 20 / 24, 1e-4), `${s.gpuUtilisation}`);
    });

    it("prices the 3 GPU nodes and needs 576 P-instance vCPUs", () => {
        const s = p.plan.summary;
        assert.ok(close(s.costBreakdown.gpuNodes, 3 * GPU_INSTANCE_TYPES["p5.48xlarge"].hourlyUsd));
        assert.strictEqual(s.vcpuQuotas.find((q) => q.code === P_QUOTA.code)?.vcpus, 576);
    });

    it("exports the same utilisation and total in costEstimate", () => {
        const e = estimate(p);
        assert.strictEqual(e.gpuUtilisation, p.plan.summary.gpuUtilisation);
        assert.ok(close(e.hourlyCostUsd, p.plan.summary.hourlyCostUsd));
        assert.deepStrictEqual(e.vcpuQuotas, p.plan.summary.vcpuQuotas);
    });
});

describe("cost: dev (2 x g5.xlarge)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("dev");
    });

    it("prices 2 g5.xlarge and sums the parts", () => {
        const s = p.plan.summary;
        assert.ok(close(s.costBreakdown.gpuNodes, 2 * GPU_INSTANCE_TYPES["g5.xlarge"].hourlyUsd));
        assert.ok(close(sum(s.costBreakdown as unknown as Record<string, number>), s.hourlyCostUsd));
        assert.strictEqual(s.gpuUtilisation, 1);
    });

    it('needs 8 vCPUs of the "Running On-Demand G and VT instances" quota (L-DB2E81BA), none of P', () => {
        const quotas = p.plan.summary.vcpuQuotas;
        assert.deepStrictEqual(
            quotas.find((q) => q.code === G_QUOTA.code),
            { ...G_QUOTA, vcpus: 8 },
        );
        assert.ok(!quotas.some((q) => q.code === P_QUOTA.code));
    });

    it("exports costEstimate with the summary's numbers", () => {
        const e = estimate(p);
        assert.ok(close(e.hourlyCostUsd, p.plan.summary.hourlyCostUsd));
        assert.deepStrictEqual(e.costBreakdown, p.plan.summary.costBreakdown);
        assert.deepStrictEqual(e.vcpuQuotas, p.plan.summary.vcpuQuotas);
    });
});

describe("cost: llama31-pd in a Capacity Block", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["gpuCapacityType=CAPACITY_BLOCK", "gpuCapacityReservationId=cr-0123456789abcdef0"]);
    });

    it("flags CAPACITY_BLOCK in summary.gpuCapacityType", () => {
        assert.strictEqual(p.plan.summary.gpuCapacityType, "CAPACITY_BLOCK");
    });

    it("still prices the 2 p5.48xlarge at the on-demand equivalent", () => {
        assert.ok(close(p.plan.summary.costBreakdown.gpuNodes, 2 * GPU_INSTANCE_TYPES["p5.48xlarge"].hourlyUsd));
        assert.strictEqual(p.plan.summary.gpuInstanceType, "p5.48xlarge");
    });
});
