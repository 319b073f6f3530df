import { DaemonSetRequests, GPU_NODE_DAEMONSETS } from "../catalog/daemonSets";
import { GpuInstanceType } from "../catalog/instances";

/**
 * What a GPU node leaves to worker pods. EKS AL2023 nodes reserve CPU for the kubelet (6% of
 * the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest) and memory (255 MiB
 * + 11 MiB per schedulable pod, plus a 100 MiB hard-eviction threshold); the kernel and firmware
 * keep about 5% of the nominal memory. Then come the DaemonSets on every GPU node.
 */
const USABLE_MEMORY_FRACTION = 0.95;
const EVICTION_HARD_MEMORY_MIB = 100;

/** What a GPU node runs besides the workers: EFA and monitoring add their DaemonSets. */
export interface GpuNodeFeatures {
    readonly efa: boolean;
    readonly monitoring: boolean;
}

function daemonSets(features: GpuNodeFeatures): DaemonSetRequests[] {
    return GPU_NODE_DAEMONSETS.filter((d) => (features.efa || !d.efaOnly) && (features.monitoring || !d.monitoringOnly));
}

function maxPodsEstimate(gpu: GpuInstanceType): number {
    return gpu.vcpu <= 8 ? 58 : 110;
}

export function kubeReservedCpuMillis(vcpu: number): number {
    const cores = [60, 10, 5, 5];
    let reserved = 0;
    for (let core = 0; core < vcpu; core++) {
        reserved += core < cores.length ? cores[core] : 2.5;
    }
    return reserved;
}

/** CPU (millicores) a GPU node leaves to the serving pods. */
export function allocatableCpuMillis(gpu: GpuInstanceType, features: GpuNodeFeatures): number {
    const daemons = daemonSets(features).reduce((sum, d) => sum + d.cpuMillis, 0);
    return gpu.vcpu * 1000 - kubeReservedCpuMillis(gpu.vcpu) - daemons;
}

/** The GPU node group: the nodes the workers need and the spare ones on top. */
export interface GpuNodeGroupSize {
    /** Nodes of the group, spares included. */
    readonly nodes: number;
    /** Of those, the spare ones: idle until a node is repaired or replaced. */
    readonly spare: number;
}

/**
 * The group's size: the workers' nodes plus spareGpuNodes. A parked graph (no GPU pods) keeps no
 * spare either: it is parked to stop paying for GPU nodes.
 */
export function gpuNodeGroupSize(workerNodes: number, spareGpuNodes: number, gpuPods: number): GpuNodeGroupSize {
    const spare = gpuPods === 0 ? 0 : spareGpuNodes;
    return { nodes: workerNodes + spare, spare };
}

/** 2 MiB huge pages AL2023 pre-allocates on EFA-capable instances (EKS user guide, node-efa). */
export const NODE_HUGEPAGES_2MI = 5128;

/** Memory (MiB) a GPU node leaves to the serving pods; pre-allocated huge pages are not memory to the kubelet. */
export function allocatableMemoryMiB(gpu: GpuInstanceType, features: GpuNodeFeatures): number {
    const kubeReserved = 255 + 11 * maxPodsEstimate(gpu);
    const daemons = daemonSets(features).reduce((sum, d) => sum + d.memoryMiB, 0);
    const hugepages = features.efa ? NODE_HUGEPAGES_2MI * 2 : 0;
    return Math.floor(gpu.memoryGiB * 1024 * USABLE_MEMORY_FRACTION - kubeReserved - EVICTION_HARD_MEMORY_MIB - daemons - hugepages);
}
