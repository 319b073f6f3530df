/**
 * The one builder of prefill/decode worker pods, shared by both graphs: GPU, CPU/memory and
 * EFA resources, GPU scheduling and spreading, NIXL transport env, the model cache, /dev/shm,
 * probes and graceful termination. Graphs differ only in image, command, args, ports and probes.
 */
import * as k8s from "@pulumi/kubernetes";
import { ModelCacheMount } from "../platform/modelCache";
import { NixlBackend, nixlEnv, NIXL_SIDE_CHANNEL_PORT } from "./nixl";
import { Container, EnvVar, onGpuNodes, PodSpec, Probe, sharedMemoryVolume, spreadAcrossNodes } from "../k8s/pod";
import { imageUserContainerSecurity, imageUserPodSecurity, podSecurityExceptions } from "../k8s/security";

export type WorkerRole = "prefill" | "decode";

/** Per-pod resources of a worker. */
export interface WorkerResources {
    /** nvidia.com/gpu (= tensor parallel size). */
    readonly gpus: number;
    /** CPU request and limit, a quantity. */
    readonly cpu: string;
    /** Memory request and limit, a quantity. */
    readonly memory: string;
    /** vpc.amazonaws.com/efa devices; 0 = no EFA. */
    readonly efaDevices: number;
    /** hugepages-2Mi in MiB for libfabric; only with EFA. */
    readonly hugepagesMi: number;
    /** /dev/shm size limit, a quantity. */
    readonly sharedMemory: string;
}

/** What a graph decides about its worker pods; the rest is common to both graphs. */
export interface WorkerPodArgs {
    /** Prefill or decode; also the container's name. */
    readonly role: WorkerRole;
    /** Labels of the pods (spreading and role separation select by them). */
    readonly labels: Record<string, string>;
    /** The serving image. */
    readonly image: string;
    /** The container's command (explicit: images differ in their entrypoints). */
    readonly command: string[];
    /** The command's arguments. */
    readonly args: string[];
    /** Ports of the server; the NIXL side-channel port is added. */
    readonly ports: k8s.types.input.core.v1.ContainerPort[];
    /** Startup, readiness and liveness probes. */
    readonly probes: { startup: Probe; readiness: Probe; liveness: Probe };
    /** Graph-specific env, after the common env. */
    readonly env?: EnvVar[];
    /** GPUs, CPU, memory, EFA devices, huge pages and /dev/shm of a pod. */
    readonly resources: WorkerResources;
    /** NIXL transport: LIBFABRIC with EFA, UCX otherwise. */
    readonly nixlBackend: NixlBackend;
    /** The instance has GPUDirect RDMA (FI_EFA_USE_DEVICE_RDMA). */
    readonly gpuDirectRdma: boolean;
    /** The node-local model cache: volume, mount, env and the wait-for-model init container. */
    readonly modelCache: ModelCacheMount;
    /** Init containers to run before the model wait (e.g. waiting for etcd and NATS). */
    readonly initContainers?: Container[];
    /**
     * Labels of the other role's pods. With EFA they are kept off this pod's node (required
     * anti-affinity) and pods of this role pack together.
     * @default `labels` with every value equal to the role swapped for the other role
     */
    readonly otherRoleLabels?: Record<string, string>;
    /** Name of the worker container (the Dynamo operator requires `main`). @default the role */
    readonly containerName?: string;
    /**
     * Name of the NIXL side-channel port; the Dynamo operator adds a port named `nixl` (19090,
     * NIXL telemetry) of its own, and port names must be unique. @default "nixl"
     */
    readonly sideChannelPortName?: string;
    /**
     * The pod calls the Kubernetes API (Dynamo's Kubernetes discovery), so it gets its
     * service-account token; vLLM workers behind vllm-router never do.
     */
    readonly callsKubernetesApi: boolean;
}

/** Name of the NIXL side-channel port unless a graph names it. */
const DEFAULT_SIDE_CHANNEL_PORT_NAME = "nixl";

/** Routers and the load balancer stop sending to a terminating pod before its server gets SIGTERM. */
export const WORKER_PRESTOP_SECONDS = 15;
/**
 * vLLM's `--shutdown-timeout` (drain: in-flight requests finish, new ones are refused; vllm PR
 * #34730, in 0.27.x). 60 s as llm-d's P/D guide (llm-d PR #1653: "pd-disaggregation: 60s and 90s").
 */
export const WORKER_SHUTDOWN_TIMEOUT_SECONDS = 60;
/** preStop, then the drain, then 15 s for NIXL teardown before SIGKILL (= llm-d's 90 s). */
export const WORKER_TERMINATION_GRACE_SECONDS = WORKER_PRESTOP_SECONDS + WORKER_SHUTDOWN_TIMEOUT_SECONDS + 15;

/**
 * The security context of a worker container: its image's user (root in the vLLM images), no
 * privilege escalation, every capability dropped, and with EFA IPC_LOCK, not privileged.
 * libfabric pins the buffers it registers with the EFA device; IPC_LOCK lifts the locked-memory
 * limit for that (llm-d's AWS P/D overlay adds IPC_LOCK; the DLC's own NIXL LIBFABRIC P/D test
 * runs unprivileged with `--ulimit memlock=-1:-1`, test/test_utils/efa_helpers.py). Dynamo's
 * efa.md says `privileged: true` is needed for fi_mr_reg, but a privileged container gets every
 * host device (all 8 GPUs and 32 EFA devices of a p5) and bypasses the device plugins' isolation
 * between the 8 pods of a node; if fi_mr_reg fails with EPERM on a real cluster, that is the
 * setting to revisit.
 */
export function workerSecurityContext(efa: boolean): k8s.types.input.core.v1.SecurityContext {
    return imageUserContainerSecurity(efa ? ["IPC_LOCK"] : []);
}

/**
 * The Pod Security exceptions of a worker pod (components/k8s/security.ts): the model cache's
 * host path (read-only), the image's user, and with EFA the IPC_LOCK capability.
 */
export function workerPodSecurityExceptions(efa: boolean): Record<string, string> {
    return podSecurityExceptions("hostPathVolumes", "runAsNonRoot", ...(efa ? (["capabilities_baseline"] as const) : []));
}

/**
 * Where workers go. With EFA and the other role's labels: never on a node with a pod of the other
 * role (same-node NIXL over EFA fails with fi_read EAGAIN, dynamo PR #7764; a hard rule), and
 * preferably on a node that already has pods of its own role, so each role fills whole nodes
 * (8 prefill on one p5, 8 decode on the other) instead of scattering and stranding the other
 * role's GPUs. Otherwise: spread across nodes.
 */
export function workerPlacement(
    labels: Record<string, string>,
    efa: boolean,
    otherRoleLabels?: Record<string, string>,
): Pick<PodSpec, "affinity" | "topologySpreadConstraints"> {
    if (!efa || !otherRoleLabels || Object.keys(otherRoleLabels).length === 0) {
        return { topologySpreadConstraints: [spreadAcrossNodes(labels, "ScheduleAnyway")] };
    }
    const node = "kubernetes.io/hostname";
    return {
        affinity: {
            podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: node, labelSelector: { matchLabels: otherRoleLabels } }],
            },
            podAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                    { weight: 100, podAffinityTerm: { topologyKey: node, labelSelector: { matchLabels: labels } } },
                ],
            },
        },
    };
}

/**
 * Limits of a worker container, equal to its requests (GPUs, EFA devices and huge pages are
 * requested at their limits): with init containers alike, worker pods are Guaranteed QoS, the
 * last to be evicted and eligible for exclusive cores under the static CPU manager.
 */
export function workerResourceLimits(r: WorkerResources): Record<string, string> {
    const limits: Record<string, string> = { "nvidia.com/gpu": String(r.gpus), cpu: r.cpu, memory: r.memory };
    if (r.efaDevices > 0) {
        limits["vpc.amazonaws.com/efa"] = String(r.efaDevices);
        limits["hugepages-2Mi"] = `${r.hugepagesMi}Mi`;
    }
    return limits;
}

/** The other role's labels by the graphs' convention: the role's name swapped in every value that is it. */
export function otherRoleLabels(role: WorkerRole, labels: Record<string, string>): Record<string, string> {
    const other: WorkerRole = role === "prefill" ? "decode" : "prefill";
    return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v === role ? other : v]));
}

export function workerPodSpec(a: WorkerPodArgs): PodSpec {
    const efa = a.resources.efaDevices > 0;
    const limits = workerResourceLimits(a.resources);
    const requests: Record<string, string> = { cpu: a.resources.cpu, memory: a.resources.memory };
    const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [a.modelCache.volumeMount, { name: "dshm", mountPath: "/dev/shm" }];
    const volumes = [a.modelCache.volume, sharedMemoryVolume(a.resources.sharedMemory)];
    if (efa) {
        requests["hugepages-2Mi"] = limits["hugepages-2Mi"];
        volumeMounts.push({ name: "hugepages", mountPath: "/dev/hugepages" });
        volumes.push({ name: "hugepages", emptyDir: { medium: "HugePages" } });
    }
    return {
        ...onGpuNodes(efa),
        ...workerPlacement(a.labels, efa, a.otherRoleLabels ?? otherRoleLabels(a.role, a.labels)),
        terminationGracePeriodSeconds: WORKER_TERMINATION_GRACE_SECONDS,
        automountServiceAccountToken: a.callsKubernetesApi,
        securityContext: imageUserPodSecurity(),
        initContainers: [...(a.initContainers ?? []), a.modelCache.waitContainer],
        containers: [
            {
                name: a.containerName ?? a.role,
                image: a.image,
                command: a.command,
                args: a.args,
                ports: [
                    ...a.ports,
                    { name: a.sideChannelPortName ?? DEFAULT_SIDE_CHANNEL_PORT_NAME, containerPort: NIXL_SIDE_CHANNEL_PORT },
                ],
                env: [...a.modelCache.env, ...nixlEnv(a.nixlBackend, a.gpuDirectRdma), ...(a.env ?? [])],
                resources: { requests, limits },
                securityContext: workerSecurityContext(efa),
                startupProbe: a.probes.startup,
                readinessProbe: a.probes.readiness,
                livenessProbe: a.probes.liveness,
                lifecycle: { preStop: { exec: { command: ["sleep", String(WORKER_PRESTOP_SECONDS)] } } },
                volumeMounts,
            },
        ],
        volumes,
    };
}

/** vLLM engine flags both graphs and both roles share (model, block size, context, parallelism). */
export interface EngineSettings {
    readonly model: string;
    readonly blockSize: number;
    readonly maxModelLen: number;
    readonly tensorParallelSize: number;
    /** Commit of the model repo (vLLM --revision, --tokenizer-revision); the cache holds that snapshot. @default unpinned */
    readonly revision?: string;
}

export function engineArgs(e: EngineSettings): string[] {
    // --revision/--tokenizer-revision: ModelConfig flags of vLLM 0.11/0.27/0.31 and dynamo.vllm 0.7/1.6
    // (flag lists in ../shared/reference/flags); offline, a commit hash selects its cached snapshot.
    const revision = e.revision !== undefined ? ["--revision", e.revision, "--tokenizer-revision", e.revision] : [];
    return [
        ...revision,
        "--block-size",
        String(e.blockSize),
        "--max-model-len",
        String(e.maxModelLen),
        "--tensor-parallel-size",
        String(e.tensorParallelSize),
    ];
}

/** Probe timings for multi-minute model loads: up to 30 min to start, then strict. */
export function workerProbes(path: { startup: string; ready: string; live: string }, port: number | string) {
    const probe = (p: string, periodSeconds: number, failureThreshold: number, timeoutSeconds = 5): Probe => ({
        httpGet: { path: p, port },
        periodSeconds,
        failureThreshold,
        timeoutSeconds,
    });
    return {
        startup: probe(path.startup, 10, 180),
        readiness: probe(path.ready, 10, 3),
        liveness: probe(path.live, 20, 6, 10),
    };
}
