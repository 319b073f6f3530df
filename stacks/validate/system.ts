/** The system node group against the pods placed on it. */
import { SYSTEM_INSTANCE_TYPES } from "../catalog/instances";
import { SYSTEM_NODE_DAEMONSETS, SYSTEM_PODS, SystemPod, systemMaxPods } from "../catalog/systemPods";
import { ConfigError } from "../errors";
import { kubeReservedCpuMillis } from "../sizing/capacity";
import { ConfigValues } from "../schema";

/** Memory the kernel keeps and the kubelet's hard-eviction threshold, as for GPU nodes (sizing/capacity.ts). */
const USABLE_MEMORY_FRACTION = 0.95;
const EVICTION_HARD_MEMORY_MIB = 100;

function runs(pod: SystemPod, v: Pick<ConfigValues, "graph" | "dynamoInfra">): boolean {
    switch (pod.when) {
        case "always":
            return true;
        case "dynamoInfra":
            return v.graph === "dynamo" || v.dynamoInfra;
        default:
            return v.graph === pod.when;
    }
}

/**
 * The busiest system node: spread workloads put ceil(replicas / nodes) pods on it, the others may
 * all land on it (their anti-affinity is only preferred). That node must hold them plus the
 * DaemonSets within its allocatable; pods that do not fit stay Pending after `pulumi up`.
 */
export function busiestSystemNode(v: Pick<ConfigValues, "graph" | "dynamoInfra" | "frontendReplicas" | "systemNodeCount">): {
    cpuMillis: number;
    memoryMiB: number;
    pods: string[];
} {
    let cpuMillis = SYSTEM_NODE_DAEMONSETS.reduce((sum, d) => sum + d.cpuMillis, 0);
    let memoryMiB = SYSTEM_NODE_DAEMONSETS.reduce((sum, d) => sum + d.memoryMiB, 0);
    const pods: string[] = [];
    for (const pod of SYSTEM_PODS.filter((p) => runs(p, v))) {
        const replicas = pod.replicas === "frontend" ? v.frontendReplicas : pod.replicas;
        const onNode = pod.spread ? Math.ceil(replicas / v.systemNodeCount) : replicas;
        cpuMillis += onNode * pod.cpuMillis;
        memoryMiB += onNode * pod.memoryMiB;
        pods.push(`${onNode} ${pod.name}`);
    }
    return { cpuMillis, memoryMiB, pods };
}

export function validateSystemCapacity(
    v: Pick<ConfigValues, "graph" | "dynamoInfra" | "frontendReplicas" | "systemNodeCount" | "systemInstanceType">,
): void {
    const type = SYSTEM_INSTANCE_TYPES[v.systemInstanceType];
    if (!type) {
        return; // reported by validateSystemInstanceType
    }
    const cpuLeft = type.vcpu * 1000 - kubeReservedCpuMillis(type.vcpu);
    const memoryLeft = Math.floor(
        type.memoryGiB * 1024 * USABLE_MEMORY_FRACTION - (255 + 11 * systemMaxPods(type.vcpu)) - EVICTION_HARD_MEMORY_MIB,
    );
    const need = busiestSystemNode(v);
    if (need.cpuMillis > cpuLeft || need.memoryMiB > memoryLeft) {
        throw new ConfigError(
            "systemInstanceType",
            v.systemInstanceType,
            `its busiest node would run ${need.pods.join(", ")} plus DaemonSets: ${need.cpuMillis}m CPU and ${need.memoryMiB}Mi requested, ` +
                `but a ${v.systemInstanceType} has about ${cpuLeft}m and ${memoryLeft}Mi allocatable; use a larger type, more systemNodeCount or fewer frontendReplicas.`,
        );
    }
}
