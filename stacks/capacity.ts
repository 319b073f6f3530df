import { GpuInstanceType } from "./instances";

/**
 * Estimates of what a GPU node leaves to pods. EKS AL2023 nodes reserve CPU for the kubelet
 * (6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest) and memory
 * (255 MiB + 11 MiB per schedulable pod, plus a 100 MiB hard-eviction threshold); the kernel and
 * firmware keep about 5% of the nominal memory. DaemonSets on GPU nodes (aws-node, kube-proxy,
 * EBS CSI node, EKS Pod Identity agent, NVIDIA and EFA device plugins, model cache) are budgeted
 * with DAEMONSET_RESERVE_*.
 */
export const DAEMONSET_RESERVE_CPU_MILLIS = 600;
export const DAEMONSET_RESERVE_MEMORY_MIB = 1536;
const USABLE_MEMORY_FRACTION = 0.95;
const EVICTION_HARD_MEMORY_MIB = 100;

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
export function allocatableCpuMillis(gpu: GpuInstanceType): number {
    return gpu.vcpu * 1000 - kubeReservedCpuMillis(gpu.vcpu) - DAEMONSET_RESERVE_CPU_MILLIS;
}

/** Memory (MiB) a GPU node leaves to the serving pods. */
export function allocatableMemoryMiB(gpu: GpuInstanceType): number {
    const kubeReserved = 255 + 11 * maxPodsEstimate(gpu);
    return Math.floor(gpu.memoryGiB * 1024 * USABLE_MEMORY_FRACTION - kubeReserved - EVICTION_HARD_MEMORY_MIB - DAEMONSET_RESERVE_MEMORY_MIB);
}
