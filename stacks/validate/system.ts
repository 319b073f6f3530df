/**
 * The system node group against the pods placed on it. The scheduler puts a pod only on a node
 * with room for its requests, so a pod stays Pending only when no node it may use has room. Two
 * kinds of pods:
 * - pinned (etcd, NATS: one per node by required anti-affinity): a member may have to go on one
 *   particular node, which the other pods may have filled first. Its node must hold its members
 *   beside every other pod.
 * - free (every other workload, whose spreading is at most preferred): it fails only if every
 *   node is short of its CPU or its memory. Node by node, that takes the other pods' CPU above
 *   (allocatable - its CPU) on some nodes and their memory above (allocatable - its memory) on
 *   the rest; when their totals cannot do both for all nodes together, the pod always finds room,
 *   whatever the order and placement of the others.
 */
import { SYSTEM_INSTANCE_TYPES } from "../catalog/instances";
import { PodRequests, SYSTEM_NODE_DAEMONSETS, SYSTEM_PODS, SystemPod, systemMaxPods } from "../catalog/systemPods";
import { ConfigError } from "../errors";
import { kubeReservedCpuMillis } from "../sizing/capacity";
import { ConfigValues } from "../schema";

/** Memory the kernel keeps and the kubelet's hard-eviction threshold, as for GPU nodes (sizing/capacity.ts). */
const USABLE_MEMORY_FRACTION = 0.95;
const EVICTION_HARD_MEMORY_MIB = 100;

/** The config keys that decide what runs on the system nodes and how it spreads. */
export type SystemLoadKeys =
    "graph" | "dynamoInfra" | "dynamoDiscovery" | "monitoring" | "monitoringFootprint" | "frontendReplicas" | "systemNodeCount";

/** A workload on the system nodes as the check counts it. */
export interface SystemWorkload extends PodRequests {
    readonly name: string;
    readonly replicas: number;
    /** One per node by required anti-affinity (SystemPod.spread). */
    readonly pinned: boolean;
}

function runs(pod: SystemPod, v: Pick<ConfigValues, SystemLoadKeys>): boolean {
    const dynamoInfra = v.graph === "dynamo" || v.dynamoInfra;
    switch (pod.when) {
        case "always":
            return true;
        case "dynamoInfra":
            return dynamoInfra;
        case "etcd":
            return dynamoInfra && v.dynamoDiscovery === "etcd";
        case "monitoring":
            return v.monitoring && (pod.footprint === undefined || pod.footprint === v.monitoringFootprint);
        default:
            return v.graph === pod.when;
    }
}

/** The workloads this config puts on the system nodes. */
export function systemWorkloads(v: Pick<ConfigValues, SystemLoadKeys>): SystemWorkload[] {
    return SYSTEM_PODS.filter((p) => runs(p, v)).map((p) => ({
        name: p.name,
        cpuMillis: p.cpuMillis,
        memoryMiB: p.memoryMiB,
        replicas: p.replicas === "frontend" ? v.frontendReplicas : p.replicas,
        pinned: p.spread,
    }));
}

/** What every system node gives to DaemonSets (node-exporter only with monitoring). */
export function systemDaemonSets(v: Pick<ConfigValues, "monitoring">): PodRequests {
    const running = SYSTEM_NODE_DAEMONSETS.filter((d) => v.monitoring || !d.monitoringOnly);
    return { cpuMillis: running.reduce((s, d) => s + d.cpuMillis, 0), memoryMiB: running.reduce((s, d) => s + d.memoryMiB, 0) };
}

/** How many nodes `others` can fill past `room` each (0 if none): the largest a with a x room < others. */
export function nodesFilledPast(others: number, room: number, nodes: number): number {
    if (others <= 0) {
        return 0;
    }
    return room <= 0 ? nodes : Math.min(nodes, Math.ceil(others / room) - 1);
}

const sum = (ws: readonly SystemWorkload[], count: (w: SystemWorkload) => number): PodRequests => ({
    cpuMillis: ws.reduce((s, w) => s + count(w) * w.cpuMillis, 0),
    memoryMiB: ws.reduce((s, w) => s + count(w) * w.memoryMiB, 0),
});

/** The check's verdict: undefined when every pod finds room, else why not. */
export function systemCapacityProblem(v: Pick<ConfigValues, SystemLoadKeys | "systemInstanceType">): string | undefined {
    const type = SYSTEM_INSTANCE_TYPES[v.systemInstanceType];
    if (!type) {
        return undefined; // reported by validateSystemInstanceType
    }
    const nodes = v.systemNodeCount;
    const daemonSets = systemDaemonSets(v);
    const cpu = type.vcpu * 1000 - kubeReservedCpuMillis(type.vcpu) - daemonSets.cpuMillis;
    const memory =
        Math.floor(type.memoryGiB * 1024 * USABLE_MEMORY_FRACTION - (255 + 11 * systemMaxPods(type.vcpu)) - EVICTION_HARD_MEMORY_MIB) -
        daemonSets.memoryMiB;
    const room = `a ${v.systemInstanceType} leaves about ${cpu}m and ${memory}Mi for pods after its DaemonSets`;
    const workloads = systemWorkloads(v).filter((w) => w.replicas > 0);
    const pinned = workloads.filter((w) => w.pinned && (w.cpuMillis > 0 || w.memoryMiB > 0));
    if (pinned.length > 0) {
        const perNode = (w: SystemWorkload) => (w.pinned ? Math.ceil(w.replicas / nodes) : w.replicas);
        const node = sum(workloads, perNode);
        if (node.cpuMillis > cpu || node.memoryMiB > memory) {
            const pods = workloads.map((w) => `${perNode(w)} ${w.name}`).join(", ");
            return (
                `a node that must take its ${pinned.map((w) => w.name).join(" and ")} member may already hold every other pod: ` +
                `${pods}, ${node.cpuMillis}m CPU and ${node.memoryMiB}Mi requested, but ${room}; use a larger type or fewer frontendReplicas.`
            );
        }
    }
    const total = sum(workloads, (w) => w.replicas);
    for (const w of workloads.filter((x) => !x.pinned)) {
        const full =
            w.cpuMillis > cpu ||
            w.memoryMiB > memory ||
            nodesFilledPast(total.cpuMillis - w.cpuMillis, cpu - w.cpuMillis, nodes) +
                nodesFilledPast(total.memoryMiB - w.memoryMiB, memory - w.memoryMiB, nodes) >=
                nodes;
        if (full) {
            const pods = workloads.map((x) => `${x.replicas} ${x.name}`).join(", ");
            return (
                `${nodes} system node(s) run ${pods}: ${total.cpuMillis}m CPU and ${total.memoryMiB}Mi requested in all, and ${room}, ` +
                `so a ${w.name} pod (${w.cpuMillis}m, ${w.memoryMiB}Mi) may find every node full; use a larger type, more systemNodeCount or fewer frontendReplicas.`
            );
        }
    }
    return undefined;
}

export function validateSystemCapacity(v: Pick<ConfigValues, SystemLoadKeys | "systemInstanceType">): void {
    const problem = systemCapacityProblem(v);
    if (problem !== undefined) {
        throw new ConfigError("systemInstanceType", v.systemInstanceType, problem);
    }
}
