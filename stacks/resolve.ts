import { gpuNodeGroupSize, NODE_HUGEPAGES_2MI } from "./sizing/capacity";
import { CpuInstanceType, GpuInstanceType, SYSTEM_INSTANCE_TYPES } from "./catalog/instances";
import { parseConfig } from "./parse";
import { Partition, partitionOfRegion } from "./partition";
import { parseMemoryMiB } from "./quantity";
import { ConfigValues } from "./schema";
import { gpuNodesNeeded, validateStackConfig } from "./validate";

/** Config after validation, with the values the program derives from it. */
export interface StackConfig extends Omit<ConfigValues, "hfToken" | "gpuNodeCount" | "spareGpuNodes"> {
    project: string;
    stack: string;
    region: string;
    /** The AWS partition of the region (aws, aws-cn, aws-us-gov): every ARN is built in it. */
    partition: Partition;
    /** EKS cluster name: `<project>-<stack>`, known before `pulumi up`. */
    clusterName: string;
    gpu: GpuInstanceType;
    system: CpuInstanceType;
    /** GPUs of one prefill/decode pod (= tensorParallelSize). */
    gpusPerPod: number;
    /** The model's parameter count (billions), from the known-model table or modelParamsBillions. */
    modelParams: number;
    /** Prefill + decode pods. */
    gpuPods: number;
    /** Worker pods one GPU node holds. */
    podsPerGpuNode: number;
    /**
     * GPU nodes, the whole group: gpuNodeCount when not 0, otherwise just enough for the GPU pods
     * (with EFA prefill and decode pods fill separate nodes: ceil(P / per node) + ceil(D / per
     * node)) plus spareGpuNodes.
     */
    gpuNodeCount: number;
    /** Of gpuNodeCount, the spare nodes: spareGpuNodes, or 0 while the graph is parked. */
    spareGpuNodes: number;
    /** spareGpuNodes as set (for the preview warning when a parked graph ignores it). */
    spareGpuNodesSet: number;
    gpuNodeCountDerived: boolean;
    /** EFA devices given to each worker pod (0 without EFA): the node's devices shared out. */
    efaDevicesPerPod: number;
    /** hugepages-2Mi (MiB) per worker pod with EFA: the node's pre-allocated pages shared out. */
    hugepagesPerPodMi: number;
    /** /dev/shm of a worker pod: a quarter of its memory, at most 16Gi (it counts against the limit). */
    sharedMemory: string;
    /** etcd and NATS are deployed (graph dynamo, or dynamoInfra). */
    deployDynamoInfra: boolean;
    /** A new VPC is created (no vpcId). */
    createVpc: boolean;
    /** Whether hfToken is set; its value only travels as a secret Output. */
    hfTokenSet: boolean;
}

/** How the program is run: `pulumi up` calls it with none, the offline plan with `offline`. */
export interface ProgramOptions {
    /** Set by the offline plan: a missing hfToken is reported, not fatal. */
    offline?: boolean;
}

/** The node's huge pages shared among its worker pods, in 64 MiB steps, at most 5Gi a pod. */
export function hugepagesPerPodMi(podsPerNode: number): number {
    return Math.min(5120, Math.floor((NODE_HUGEPAGES_2MI * 2) / podsPerNode / 64) * 64);
}

/** A quarter of the pod's memory, at most 16Gi: /dev/shm counts against the memory limit. */
export function sharedMemorySize(workerMemory: string): string {
    const mi = Math.min(16384, Math.floor((parseMemoryMiB(workerMemory) ?? 0) / 4));
    return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** The project, stack and region the config is resolved for. */
export interface StackContext {
    project: string;
    stack: string;
    region: string | undefined;
}

/**
 * Parses, validates and derives the stack config from the raw strings of the project namespace.
 * Pure: throws a ConfigError (one bad key) or ConfigErrors (several), both pulumi.RunErrors.
 */
export function resolveStackConfig(raw: Readonly<Record<string, string>>, context: StackContext): StackConfig {
    const values = parseConfig(raw);
    const { region, gpu, modelParamsBillions } = validateStackConfig(values, context);

    const gpusPerPod = values.tensorParallelSize;
    const gpuPods = values.prefillReplicas + values.decodeReplicas;
    const podsPerGpuNode = Math.floor(gpu.gpus / gpusPerPod);

    const deployDynamoInfra = values.graph === "dynamo" || values.dynamoInfra;

    const { hfToken, gpuNodeCount, spareGpuNodes, ...rest } = values;
    const workerNodes =
        gpuNodeCount === 0
            ? gpuNodesNeeded({
                  prefillPods: values.prefillReplicas,
                  decodePods: values.decodeReplicas,
                  podsPerNode: podsPerGpuNode,
                  efa: values.efa,
              })
            : gpuNodeCount;
    const group = gpuNodeGroupSize(workerNodes, spareGpuNodes, gpuPods);
    return {
        ...rest,
        project: context.project,
        stack: context.stack,
        region,
        partition: partitionOfRegion(region),
        clusterName: `${context.project}-${context.stack}`,
        gpu,
        system: SYSTEM_INSTANCE_TYPES[values.systemInstanceType],
        gpusPerPod,
        modelParams: modelParamsBillions,
        gpuPods,
        podsPerGpuNode,
        gpuNodeCount: group.nodes,
        spareGpuNodes: group.spare,
        spareGpuNodesSet: spareGpuNodes,
        gpuNodeCountDerived: gpuNodeCount === 0,
        efaDevicesPerPod: values.efa ? Math.floor(gpu.maxEfaDevices / podsPerGpuNode) : 0,
        hugepagesPerPodMi: values.efa ? hugepagesPerPodMi(podsPerGpuNode) : 0,
        sharedMemory: sharedMemorySize(values.workerMemory),
        deployDynamoInfra,
        createVpc: values.vpcId === "",
        hfTokenSet: hfToken !== "",
    };
}
