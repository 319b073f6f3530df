/**
 * The one builder of prefill/decode worker pods, shared by both graphs: GPU, CPU/memory and
 * EFA resources, GPU scheduling and spreading, NIXL transport env, the model cache, /dev/shm,
 * probes and graceful termination. Graphs differ only in image, command, args, ports and probes.
 */
import * as k8s from "@pulumi/kubernetes";
import { ModelCacheMount } from "../platform/modelCache";
import { NixlBackend, nixlEnv, NIXL_SIDE_CHANNEL_PORT } from "./nixl";
import { Container, EnvVar, onGpuNodes, PodSpec, Probe, sharedMemoryVolume, spreadAcrossNodes } from "../k8s/pod";

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

export interface WorkerPodArgs {
    readonly role: WorkerRole;
    readonly labels: Record<string, string>;
    readonly image: string;
    readonly command: string[];
    readonly args: string[];
    readonly ports: k8s.types.input.core.v1.ContainerPort[];
    readonly probes: { startup: Probe; readiness: Probe; liveness: Probe };
    /** Graph-specific env, after the common env. */
    readonly env?: EnvVar[];
    readonly resources: WorkerResources;
    readonly nixlBackend: NixlBackend;
    readonly gpuDirectRdma: boolean;
    readonly modelCache: ModelCacheMount;
    /** Init containers to run before the model wait (e.g. waiting for etcd and NATS). */
    readonly initContainers?: Container[];
    /** Name of the worker container (the Dynamo operator requires `main`). @default the role */
    readonly containerName?: string;
    /**
     * Name of the NIXL side-channel port; the Dynamo operator adds a port named `nixl` (19090,
     * NIXL telemetry) of its own, and port names must be unique. @default "nixl"
     */
    readonly sideChannelPortName?: string;
}

/** @default 120 s: in-flight requests finish, NIXL transfers drain. */
export const WORKER_TERMINATION_GRACE_SECONDS = 120;

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
        topologySpreadConstraints: [spreadAcrossNodes(a.labels, "ScheduleAnyway")],
        terminationGracePeriodSeconds: WORKER_TERMINATION_GRACE_SECONDS,
        initContainers: [...(a.initContainers ?? []), a.modelCache.waitContainer],
        containers: [
            {
                name: a.containerName ?? a.role,
                image: a.image,
                command: a.command,
                args: a.args,
                ports: [...a.ports, { name: a.sideChannelPortName ?? "nixl", containerPort: NIXL_SIDE_CHANNEL_PORT }],
                env: [...a.modelCache.env, ...nixlEnv(a.nixlBackend, a.gpuDirectRdma), ...(a.env ?? [])],
                resources: { requests, limits },
                // libfabric registers (pins) memory for EFA.
                securityContext: efa ? { capabilities: { add: ["IPC_LOCK"] } } : undefined,
                startupProbe: a.probes.startup,
                readinessProbe: a.probes.readiness,
                livenessProbe: a.probes.liveness,
                // Let routers and the load balancer stop sending before the server gets SIGTERM.
                lifecycle: { preStop: { exec: { command: ["sleep", "15"] } } },
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
}

export function engineArgs(e: EngineSettings): string[] {
    return [
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
