/**
 * The on-demand bill and the EC2 vCPU quotas of a stack, from node counts. Used by the stack
 * outputs (from config) and by the plan summary (from what the program registered).
 */
import {
    EKS_CONTROL_PLANE_USD_PER_HOUR,
    GPU_INSTANCE_TYPES,
    NAT_GATEWAY_USD_PER_HOUR,
    PRICE_REGION,
    SYSTEM_INSTANCE_TYPES,
} from "../catalog/instances";

/** The nodes a stack runs, for pricing. */
export interface Fleet {
    gpuInstanceType: string;
    gpuNodes: number;
    /** Of gpuNodes, the spare ones (spareGpuNodes). */
    spareGpuNodes: number;
    systemInstanceType: string;
    systemNodes: number;
    clusters: number;
    natGateways: number;
}

/** On-demand USD per hour, by part. */
export interface CostBreakdown {
    gpuNodes: number;
    systemNodes: number;
    eksControlPlane: number;
    natGateways: number;
}

const round = (n: number) => Math.round(n * 10000) / 10000;

/** On-demand USD per hour, by part. */
export function hourlyCost(fleet: Fleet): { hourlyCostUsd: number; costBreakdown: CostBreakdown } {
    const costBreakdown: CostBreakdown = {
        gpuNodes: round(fleet.gpuNodes * (GPU_INSTANCE_TYPES[fleet.gpuInstanceType]?.hourlyUsd ?? 0)),
        systemNodes: round(fleet.systemNodes * (SYSTEM_INSTANCE_TYPES[fleet.systemInstanceType]?.hourlyUsd ?? 0)),
        eksControlPlane: round(fleet.clusters * EKS_CONTROL_PLANE_USD_PER_HOUR),
        natGateways: round(fleet.natGateways * NAT_GATEWAY_USD_PER_HOUR),
    };
    return { hourlyCostUsd: round(Object.values(costBreakdown).reduce((a, b) => a + b, 0)), costBreakdown };
}

/** On-demand USD per hour of the spare GPU nodes: a part of costBreakdown.gpuNodes, not added to it. */
export function spareGpuNodesHourlyUsd(fleet: Fleet): number {
    return round(fleet.spareGpuNodes * (GPU_INSTANCE_TYPES[fleet.gpuInstanceType]?.hourlyUsd ?? 0));
}

/** The EC2 vCPU quota the nodes need. */
export interface VcpuQuota {
    /** Service Quotas name of the EC2 On-Demand quota. */
    quota: string;
    /** Service Quotas code (service ec2). */
    code: string;
    vcpus: number;
}

/** The EC2 On-Demand vCPU quota family of an instance type. */
export function quotaOf(instanceType: string): { quota: string; code: string } {
    if (instanceType.startsWith("p")) {
        return { quota: "Running On-Demand P instances", code: "L-417A185B" };
    }
    if (instanceType.startsWith("g") || instanceType.startsWith("vt")) {
        return { quota: "Running On-Demand G and VT instances", code: "L-DB2E81BA" };
    }
    return { quota: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", code: "L-1216C47A" };
}

/** vCPUs the stack's nodes need from each quota (the quota must be at least this). */
export function vcpuQuotas(fleet: Fleet): VcpuQuota[] {
    const needs = new Map<string, VcpuQuota>();
    const add = (instanceType: string, vcpus: number) => {
        const { quota, code } = quotaOf(instanceType);
        const entry = needs.get(code) ?? { quota, code, vcpus: 0 };
        entry.vcpus += vcpus;
        needs.set(code, entry);
    };
    add(fleet.gpuInstanceType, fleet.gpuNodes * (GPU_INSTANCE_TYPES[fleet.gpuInstanceType]?.vcpu ?? 0));
    add(fleet.systemInstanceType, fleet.systemNodes * (SYSTEM_INSTANCE_TYPES[fleet.systemInstanceType]?.vcpu ?? 0));
    return [...needs.values()].filter((q) => q.vcpus > 0);
}

/** The costEstimate stack output. */
export interface CostEstimate {
    hourlyCostUsd: number;
    costBreakdown: CostBreakdown;
    /** Of the GPU nodes, the spare ones (spareGpuNodes; 0 while parked). */
    spareGpuNodes: number;
    /** What the spare GPU nodes cost, USD per hour on demand: included in costBreakdown.gpuNodes. */
    spareGpuNodesHourlyUsd: number;
    /** GPUs the worker pods request / GPUs the nodes provide. */
    gpuUtilisation: number;
    vcpuQuotas: VcpuQuota[];
    priceRegion: string;
}

/** The estimate a stack output reports, from the validated config. */
export function costEstimate(c: {
    gpuInstanceType: string;
    gpuNodeCount: number;
    spareGpuNodes: number;
    systemInstanceType: string;
    systemNodeCount: number;
    createVpc: boolean;
    availabilityZones: string[];
    gpuPods: number;
    gpusPerPod: number;
}): CostEstimate {
    const fleet: Fleet = {
        gpuInstanceType: c.gpuInstanceType,
        gpuNodes: c.gpuNodeCount,
        spareGpuNodes: c.spareGpuNodes,
        systemInstanceType: c.systemInstanceType,
        systemNodes: c.systemNodeCount,
        clusters: 1,
        natGateways: c.createVpc ? c.availabilityZones.length : 0,
    };
    const provisioned = c.gpuNodeCount * (GPU_INSTANCE_TYPES[c.gpuInstanceType]?.gpus ?? 0);
    return {
        ...hourlyCost(fleet),
        spareGpuNodes: c.spareGpuNodes,
        spareGpuNodesHourlyUsd: spareGpuNodesHourlyUsd(fleet),
        gpuUtilisation: provisioned === 0 ? 0 : round((c.gpuPods * c.gpusPerPod) / provisioned),
        vcpuQuotas: vcpuQuotas(fleet),
        priceRegion: PRICE_REGION,
    };
}
