/**
 * What the program needs to know about EC2 instance types: GPU shape, CPU/memory, EFA
 * devices, instance-store NVMe and the on-demand price.
 *
 * Source: the Karpenter AWS price and instance table generated 2026-07-20 for us-east-1
 * (GPU types; see ../shared/reference in the steering repo) and AWS's published on-demand
 * Linux prices for us-east-1 (m5/m6i/m7i). Prices are on-demand, USD per hour, us-east-1;
 * other regions are reported with these prices and flagged as such in the plan summary.
 */

export const PRICE_REGION = "us-east-1";
export const PRICE_SOURCE = "Karpenter AWS price table (us-east-1 on-demand, generated 2026-07-20)";

/** EKS control plane, standard support, USD per hour. */
export const EKS_CONTROL_PLANE_USD_PER_HOUR = 0.1;
/** One NAT gateway, us-east-1, USD per hour (data processing not included). */
export const NAT_GATEWAY_USD_PER_HOUR = 0.045;

/** A GPU instance type of the catalogue: GPUs, memory, EFA, NVMe, price. */
export interface GpuInstanceType {
    gpus: number;
    gpuModel: string;
    /** Memory of one GPU, MiB. */
    gpuMemoryMiB: number;
    vcpu: number;
    memoryGiB: number;
    /** EFA network interfaces the instance supports; 0 = no EFA. */
    maxEfaDevices: number;
    /** GPUDirect RDMA over EFA (p4d/p5 family): NIXL/libfabric read GPU memory directly. */
    gpuDirectRdma: boolean;
    /** Instance-store NVMe that nodeadm can assemble as RAID0 for containerd and kubelet. */
    nvmeInstanceStore: boolean;
    hourlyUsd: number;
}

export const GPU_INSTANCE_TYPES: Readonly<Record<string, GpuInstanceType>> = {
    "p5.48xlarge": {
        gpus: 8,
        gpuModel: "H100",
        gpuMemoryMiB: 81920,
        vcpu: 192,
        memoryGiB: 2048,
        maxEfaDevices: 32,
        gpuDirectRdma: true,
        nvmeInstanceStore: true,
        hourlyUsd: 55.04,
    },
    "p5en.48xlarge": {
        gpus: 8,
        gpuModel: "H200",
        gpuMemoryMiB: 144384,
        vcpu: 192,
        memoryGiB: 2048,
        maxEfaDevices: 16,
        gpuDirectRdma: true,
        nvmeInstanceStore: true,
        hourlyUsd: 63.296,
    },
    "p4d.24xlarge": {
        gpus: 8,
        gpuModel: "A100",
        gpuMemoryMiB: 40960,
        vcpu: 96,
        memoryGiB: 1152,
        maxEfaDevices: 4,
        gpuDirectRdma: true,
        nvmeInstanceStore: true,
        hourlyUsd: 21.957642,
    },
    "g6e.xlarge": {
        gpus: 1,
        gpuModel: "L40S",
        gpuMemoryMiB: 45776,
        vcpu: 4,
        memoryGiB: 32,
        maxEfaDevices: 0,
        gpuDirectRdma: false,
        nvmeInstanceStore: true,
        hourlyUsd: 1.861,
    },
    "g6e.12xlarge": {
        gpus: 4,
        gpuModel: "L40S",
        gpuMemoryMiB: 45776,
        vcpu: 48,
        memoryGiB: 384,
        maxEfaDevices: 1,
        gpuDirectRdma: false,
        nvmeInstanceStore: true,
        hourlyUsd: 10.49264,
    },
    "g6e.48xlarge": {
        gpus: 8,
        gpuModel: "L40S",
        gpuMemoryMiB: 45776,
        vcpu: 192,
        memoryGiB: 1536,
        maxEfaDevices: 4,
        gpuDirectRdma: false,
        nvmeInstanceStore: true,
        hourlyUsd: 30.13118,
    },
    "g5.xlarge": {
        gpus: 1,
        gpuModel: "A10G",
        gpuMemoryMiB: 22888,
        vcpu: 4,
        memoryGiB: 16,
        maxEfaDevices: 0,
        gpuDirectRdma: false,
        nvmeInstanceStore: true,
        hourlyUsd: 1.006,
    },
};

/** A CPU instance type of the system node group catalogue. */
export interface CpuInstanceType {
    vcpu: number;
    memoryGiB: number;
    hourlyUsd: number;
}

export const SYSTEM_INSTANCE_TYPES: Readonly<Record<string, CpuInstanceType>> = {
    "m5.large": { vcpu: 2, memoryGiB: 8, hourlyUsd: 0.096 },
    "m5.xlarge": { vcpu: 4, memoryGiB: 16, hourlyUsd: 0.192 },
    "m5.2xlarge": { vcpu: 8, memoryGiB: 32, hourlyUsd: 0.384 },
    "m5.4xlarge": { vcpu: 16, memoryGiB: 64, hourlyUsd: 0.768 },
    "m6i.large": { vcpu: 2, memoryGiB: 8, hourlyUsd: 0.096 },
    "m6i.xlarge": { vcpu: 4, memoryGiB: 16, hourlyUsd: 0.192 },
    "m6i.2xlarge": { vcpu: 8, memoryGiB: 32, hourlyUsd: 0.384 },
    "m6i.4xlarge": { vcpu: 16, memoryGiB: 64, hourlyUsd: 0.768 },
    "m7i.large": { vcpu: 2, memoryGiB: 8, hourlyUsd: 0.1008 },
    "m7i.xlarge": { vcpu: 4, memoryGiB: 16, hourlyUsd: 0.2016 },
    "m7i.2xlarge": { vcpu: 8, memoryGiB: 32, hourlyUsd: 0.4032 },
    "m7i.4xlarge": { vcpu: 16, memoryGiB: 64, hourlyUsd: 0.8064 },
};
