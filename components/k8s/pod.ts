/**
 * Small builders for pod specs, shared by every component that runs pods (cdk8s-plus style):
 * scheduling on the system or GPU pool, probes, env vars, spreading and anti-affinity.
 */
import * as k8s from "@pulumi/kubernetes";
import { EFA_LABEL, GPU_POOL, GPU_TAINT, NODE_POOL_LABEL, SYSTEM_POOL } from "./labels";
import { Duration } from "./units";

export type PodSpec = k8s.types.input.core.v1.PodSpec;
export type Container = k8s.types.input.core.v1.Container;
export type EnvVar = k8s.types.input.core.v1.EnvVar;
export type Probe = k8s.types.input.core.v1.Probe;
export type Toleration = k8s.types.input.core.v1.Toleration;
export type Volume = k8s.types.input.core.v1.Volume;
export type ObjectMeta = k8s.types.input.meta.v1.ObjectMeta;

/** Tolerates the GPU taint whatever its value. */
export const GPU_TOLERATION: Toleration = { key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect };

/** Pods that belong on the system node group. */
export function onSystemNodes(): Pick<PodSpec, "nodeSelector"> {
    return { nodeSelector: { [NODE_POOL_LABEL]: SYSTEM_POOL } };
}

/** Pods that belong on GPU nodes (with EFA: on nodes whose EFA interfaces are wired). */
export function onGpuNodes(efa = false): Pick<PodSpec, "nodeSelector" | "tolerations"> {
    const nodeSelector: Record<string, string> = { [NODE_POOL_LABEL]: GPU_POOL };
    if (efa) {
        nodeSelector[EFA_LABEL] = "true";
    }
    return { nodeSelector, tolerations: [GPU_TOLERATION] };
}

/** A probe's timeout unless given: the kubelet's 1 s default fails a busy server's health check. */
const DEFAULT_PROBE_TIMEOUT_SECONDS = 5;

/** How often a probe runs and how many failures it takes. */
export interface ProbeTiming {
    readonly periodSeconds: number;
    readonly failureThreshold: number;
    /** @default 5 */
    readonly timeoutSeconds?: number;
}

export function httpProbe(path: string, port: number | string, timing: ProbeTiming): Probe {
    return {
        httpGet: { path, port },
        periodSeconds: timing.periodSeconds,
        failureThreshold: timing.failureThreshold,
        timeoutSeconds: timing.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_SECONDS,
    };
}

export function tcpProbe(port: number | string, timing: ProbeTiming): Probe {
    return {
        tcpSocket: { port },
        periodSeconds: timing.periodSeconds,
        failureThreshold: timing.failureThreshold,
        timeoutSeconds: timing.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_SECONDS,
    };
}

/** Plain env vars from a record, in the record's order. */
export function env(values: Record<string, string>): EnvVar[] {
    return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/** An env var from the pod's own fields, e.g. status.podIP. */
export function fieldEnv(name: string, fieldPath: string): EnvVar {
    return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** Spread pods with these labels across nodes. */
export function spreadAcrossNodes(
    matchLabels: Record<string, string>,
    whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway",
): k8s.types.input.core.v1.TopologySpreadConstraint {
    return { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable, labelSelector: { matchLabels } };
}

/** At most one pod with these labels per node: a node loss takes one member, not a quorum. */
export function onePerNode(matchLabels: Record<string, string>): k8s.types.input.core.v1.Affinity {
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels } }],
        },
    };
}

/**
 * pulumi-kubernetes waits this long for a workload to become ready (the provider's default is
 * 10 minutes, too short for a 12 GB image plus model weights).
 */
export function awaitTimeout(wait: Duration): Record<string, string> {
    return { "pulumi.com/timeoutSeconds": String(wait.seconds) };
}

/**
 * Volumes of a StatefulSet go with it when it is deleted (pulumi destroy), not when it is
 * scaled in; the default, Retain, would leave EBS volumes behind the cluster.
 */
export const DELETE_VOLUMES_WITH_STATEFULSET = { whenDeleted: "Delete", whenScaled: "Retain" } as const;

/** A memory-backed /dev/shm for NCCL/NIXL and PyTorch data sharing. */
export function sharedMemoryVolume(sizeLimit: string): Volume {
    return { name: "dshm", emptyDir: { medium: "Memory", sizeLimit } };
}

/** Label on the pods that talk to etcd and NATS; their NetworkPolicies admit only these and peers. */
export const INFRA_CLIENT_LABELS: Record<string, string> = { "pd-serving/infra-client": "true" };
