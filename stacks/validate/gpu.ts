/** GPU workers and nodes: instance types, parallelism, node counts, EFA, the system node group. */
import { DLC_REGIONS } from "../catalog/images";
import { GPU_INSTANCE_TYPES, GpuInstanceType, SYSTEM_INSTANCE_TYPES } from "../catalog/instances";
import { ConfigError } from "../errors";
import { BLOCK_SIZES, MAX_NODES_PER_NODE_GROUP, TENSOR_PARALLEL_SIZES } from "../schema";

export function validateReplicas(prefillReplicas: number, decodeReplicas: number): void {
    if ((prefillReplicas === 0) !== (decodeReplicas === 0)) {
        const key = prefillReplicas === 0 ? "prefillReplicas" : "decodeReplicas";
        throw new ConfigError(key, 0, "a prefill/decode graph needs at least 1 prefill and 1 decode pod; set both to 0 to park the graph.");
    }
}

export function validateGpuInstanceType(gpuInstanceType: string): GpuInstanceType {
    const gpu = GPU_INSTANCE_TYPES[gpuInstanceType];
    if (!gpu) {
        throw new ConfigError("gpuInstanceType", gpuInstanceType, `must be one of: ${Object.keys(GPU_INSTANCE_TYPES).join(", ")}.`);
    }
    return gpu;
}

export function validateSystemInstanceType(systemInstanceType: string): void {
    if (!SYSTEM_INSTANCE_TYPES[systemInstanceType]) {
        throw new ConfigError(
            "systemInstanceType",
            systemInstanceType,
            `must be one of: ${Object.keys(SYSTEM_INSTANCE_TYPES).join(", ")}.`,
        );
    }
}

export function validateTensorParallelSize(tensorParallelSize: number, gpuInstanceType: string, gpu: GpuInstanceType): void {
    if (!(TENSOR_PARALLEL_SIZES as readonly number[]).includes(tensorParallelSize) || tensorParallelSize > gpu.gpus) {
        throw new ConfigError(
            "tensorParallelSize",
            tensorParallelSize,
            `must be one of ${TENSOR_PARALLEL_SIZES.filter((n) => n <= gpu.gpus).join(", ")} on ${gpuInstanceType} (${gpu.gpus} GPU per node).`,
        );
    }
}

export function validateBlockSize(blockSize: number): void {
    if (!(BLOCK_SIZES as readonly number[]).includes(blockSize)) {
        throw new ConfigError("blockSize", blockSize, `must be one of: ${BLOCK_SIZES.join(", ")}.`);
    }
}

/** The pods of a P/D graph and how many of them one GPU node holds. */
export interface GpuLayout {
    readonly prefillPods: number;
    readonly decodePods: number;
    readonly podsPerNode: number;
    /**
     * With EFA no prefill pod shares a node with a decode pod (same-node NIXL transfers over EFA
     * fail with fi_read EAGAIN, dynamo PR #7764), so each role fills nodes of its own.
     */
    readonly efa: boolean;
}

/** GPU nodes a layout needs: roles on separate nodes with EFA, one shared pool without. */
export function gpuNodesNeeded(l: GpuLayout): number {
    return l.efa
        ? Math.ceil(l.prefillPods / l.podsPerNode) + Math.ceil(l.decodePods / l.podsPerNode)
        : Math.ceil((l.prefillPods + l.decodePods) / l.podsPerNode);
}

/** A fixed node count (0 = derived) against the layout, and the derived count against EKS's limit. */
export function validateGpuNodeCount(gpuNodeCount: number, layout: GpuLayout, gpusPerPod: number, gpuInstanceType: string): void {
    const needed = gpuNodesNeeded(layout);
    const pods = layout.prefillPods + layout.decodePods;
    const how = layout.efa
        ? `${layout.prefillPods} prefill and ${layout.decodePods} decode pods x ${gpusPerPod} GPU on separate nodes (efa=true), ${layout.podsPerNode} pods per ${gpuInstanceType}`
        : `${pods} GPU pods x ${gpusPerPod} GPU, ${layout.podsPerNode} per ${gpuInstanceType}`;
    if (gpuNodeCount === 0) {
        if (needed > MAX_NODES_PER_NODE_GROUP) {
            throw new ConfigError(
                "prefillReplicas",
                layout.prefillPods,
                `${how} need ${needed} nodes, over the ${MAX_NODES_PER_NODE_GROUP} nodes of one EKS managed node group; ` +
                    "use an instance type with more GPUs or fewer replicas.",
            );
        }
        return;
    }
    if (gpuNodeCount < needed) {
        throw new ConfigError(
            "gpuNodeCount",
            gpuNodeCount,
            `${how} need ${needed} nodes, not ${gpuNodeCount} (${gpuNodeCount * layout.podsPerNode * gpusPerPod} GPUs); ` +
                `set gpuNodeCount to at least ${needed}, 0 to derive it, or lower prefillReplicas/decodeReplicas.`,
        );
    }
}

/**
 * Spare GPU nodes go on top of the derived count only: with a fixed gpuNodeCount the nodes beyond
 * what the workers need already are the spares, and counting more on top would make gpuNodeCount
 * not the size of the group it names. The whole group stays within one managed node group.
 */
export function validateSpareGpuNodes(spareGpuNodes: number, gpuNodeCount: number, layout: GpuLayout): void {
    if (spareGpuNodes === 0) {
        return;
    }
    if (gpuNodeCount !== 0) {
        throw new ConfigError(
            "spareGpuNodes",
            spareGpuNodes,
            `with a fixed gpuNodeCount (${gpuNodeCount}) the nodes beyond what the workers need are the spares; set spareGpuNodes=0, or gpuNodeCount=0 to derive the count and add ${spareGpuNodes} spare on top.`,
        );
    }
    const needed = gpuNodesNeeded(layout);
    if (needed <= MAX_NODES_PER_NODE_GROUP && needed + spareGpuNodes > MAX_NODES_PER_NODE_GROUP) {
        throw new ConfigError(
            "spareGpuNodes",
            spareGpuNodes,
            `the workers need ${needed} GPU nodes, and ${needed} + ${spareGpuNodes} spare is over the ${MAX_NODES_PER_NODE_GROUP} nodes of one EKS managed node group; use at most ${MAX_NODES_PER_NODE_GROUP - needed}.`,
        );
    }
}

export function validateEfa(efa: boolean, gpuInstanceType: string, gpu: GpuInstanceType, podsPerNode: number): void {
    if (!efa) {
        return;
    }
    if (gpu.maxEfaDevices === 0) {
        const withEfa = Object.entries(GPU_INSTANCE_TYPES)
            .filter(([, t]) => t.maxEfaDevices > 0)
            .map(([name]) => name);
        throw new ConfigError("efa", efa, `${gpuInstanceType} has no EFA; set efa=false or use one of: ${withEfa.join(", ")}.`);
    }
    if (gpu.maxEfaDevices < podsPerNode) {
        throw new ConfigError(
            "efa",
            efa,
            `${gpuInstanceType} has ${gpu.maxEfaDevices} EFA device(s) for ${podsPerNode} GPU pods per node and each pod needs its own; ` +
                `raise tensorParallelSize to ${Math.ceil(gpu.gpus / gpu.maxEfaDevices)} or set efa=false.`,
        );
    }
}

/** vllm-router workers on EFA run the AWS Deep Learning Container, hosted in these regions only. */
export function validateEfaImageRegion(efa: boolean, graph: string, region: string): void {
    if (efa && graph === "vllm-router" && !(DLC_REGIONS as readonly string[]).includes(region)) {
        throw new ConfigError(
            "aws:region",
            region,
            `efa=true with graph=vllm-router uses the AWS Deep Learning Container for vLLM, published in: ${DLC_REGIONS.join(", ")}; choose one or set efa=false.`,
        );
    }
}

export function validateSystemNodeCount(systemNodeCount: number, deployDynamoInfra: boolean): void {
    if (deployDynamoInfra && systemNodeCount < 3) {
        throw new ConfigError(
            "systemNodeCount",
            systemNodeCount,
            "etcd and NATS run 3 members on 3 different system nodes (graph=dynamo or dynamoInfra=true): use at least 3.",
        );
    }
}
