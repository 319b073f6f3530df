/**
 * The components of the DynamoGraphDeployment (nvidia.com/v1beta1, field names from the 1.6 CRD):
 * the frontend with its router, and the prefill and decode workers whose pod templates come from
 * the shared worker builder. The operator adds what it owns (discovery env and Services,
 * DYN_NAMESPACE, NATS_SERVER/ETCD_ENDPOINTS, its ports and defaults) to the `main` container.
 */
import { DYNAMO_RUNTIME_VERSION } from "../../stacks/catalog/images";
import { env, EnvVar, INFRA_CLIENT_LABELS, onSystemNodes, PodSpec, spreadAcrossNodes } from "../k8s/pod";
import { ModelCacheMount } from "../platform/modelCache";
import { graphLabels } from "./graph";
import { NixlBackend, nixlKvTransferConfig } from "./nixl";
import {
    engineArgs,
    EngineSettings,
    WorkerResources,
    WorkerRole,
    workerPodSecurityExceptions,
    workerPodSpec,
    workerProbes,
} from "./worker";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";

export const FRONTEND_PORT = 8000;
/** Dynamo's system server on workers (DYN_SYSTEM_PORT): /live, /health and /metrics; the operator's port `system`. */
export const DYNAMO_SYSTEM_PORT = 9090;
/** Times the frontend may move a request to another worker when its worker dies mid-stream (frontend flag since 1.x). */
export const MIGRATION_LIMIT = 3;
/**
 * The user of Dynamo's runtime images: `useradd ... -g 0 dynamo` with uid 1000 and group 0 "for
 * OpenShift compatibility", then `USER dynamo` (ai-dynamo/dynamo container/templates/*_runtime.Dockerfile).
 */
export const DYNAMO_UID = 1000;
export const DYNAMO_GID = 0;
/** HF_HOME of the frontend, an emptyDir: the tokenizer and config it fetches, whatever the image's home. */
const FRONTEND_HF_HOME = "/hf-cache";

/** The container the operator merges its defaults into; v1beta1 requires it. */
export const MAIN_CONTAINER = "main";

/**
 * vLLM's KV-event publisher on prefill workers, which dynamo.vllm relays to the KV router: without
 * it "the router falls back to load-only decisions even in kv mode" (docs/kubernetes/dgd-kv-routing.md;
 * the JSON is the one of Dynamo's vLLM guide, an engine-local ZMQ socket).
 */
export const KV_EVENTS_CONFIG = JSON.stringify({
    publisher: "zmq",
    topic: "kv-events",
    endpoint: "tcp://*:20080",
    enable_kv_cache_events: true,
});

/** One entry of DynamoGraphDeployment spec.components (the fields this program sets). */
export interface DynamoComponent {
    name: string;
    type: "frontend" | "prefill" | "decode";
    replicas: number;
    runtimeVersionOverride: string;
    /** "0" turns off the operator's /dev/shm volume: the worker builder mounts its own. */
    sharedMemorySize?: string;
    podTemplate: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
}

/** What the frontend component is made of. */
export interface FrontendComponentArgs {
    /** Image of the frontend (no GPU, no EFA). */
    readonly image: string;
    /** Frontend pods (frontendReplicas). */
    readonly replicas: number;
    /** --router-mode: kv, round-robin or random. */
    readonly routerMode: string;
    /** The workers' --block-size, which the KV router must hash by. */
    readonly blockSize: number;
    /** HF_TOKEN for the tokenizer and config the frontend fetches from the hub. @default none (public models) */
    readonly hfToken?: EnvVar;
}

/** Labels of a component's pods: graph labels (selectors, the NLB) and the etcd/NATS client label. */
export function componentLabels(component: string): Record<string, string> {
    return { ...graphLabels("dynamo", component), ...INFRA_CLIENT_LABELS };
}

/** dynamo.frontend's arguments (flags from tests/fixtures/flags.ts, Dynamo 1.6). */
export function frontendArgs(a: FrontendComponentArgs): string[] {
    const args = [
        "--http-port",
        String(FRONTEND_PORT),
        "--router-mode",
        a.routerMode,
        "--kv-cache-block-size",
        String(a.blockSize),
        "--migration-limit",
        String(MIGRATION_LIMIT),
    ];
    if (a.routerMode === "kv" && a.replicas > 1) {
        // Frontend replicas share their KV-router state over the event plane (kv_router_args.py).
        args.push("--router-replica-sync");
    }
    return args;
}

/**
 * The frontend: OpenAI API on 8000 and the router, on the system nodes. It takes the model from
 * the workers' model card; the card's tokenizer and config files it resolves itself, from the hub
 * when they are not local (lib/llm model_card.rs `download_config`), hence the token.
 */
export function frontendComponent(a: FrontendComponentArgs): DynamoComponent {
    const labels = componentLabels("frontend");
    return {
        name: "frontend",
        type: "frontend",
        replicas: a.replicas,
        runtimeVersionOverride: DYNAMO_RUNTIME_VERSION,
        podTemplate: {
            metadata: { labels },
            spec: {
                ...onSystemNodes(),
                topologySpreadConstraints: [spreadAcrossNodes(labels, "ScheduleAnyway")],
                // Restricted; the operator's discovery ServiceAccount keeps its token (it is used).
                securityContext: restrictedPodSecurity(DYNAMO_UID, DYNAMO_GID),
                volumes: [{ name: "hf-cache", emptyDir: { sizeLimit: "2Gi" } }],
                containers: [
                    {
                        name: MAIN_CONTAINER,
                        image: a.image,
                        command: ["python3", "-m", "dynamo.frontend"],
                        args: frontendArgs(a),
                        env: [...env({ HF_HOME: FRONTEND_HF_HOME, HF_HUB_DISABLE_TELEMETRY: "1" }), ...(a.hfToken ? [a.hfToken] : [])],
                        // The operator's frontend port (consts: 8000 "http"); the NLB targets it by name.
                        ports: [{ name: "http", containerPort: FRONTEND_PORT }],
                        resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { memory: "8Gi" } },
                        // Python writes caches under the image's home, so the root filesystem stays writable.
                        securityContext: restrictedContainerSecurity({ writableRootFilesystem: true }),
                        volumeMounts: [{ name: "hf-cache", mountPath: FRONTEND_HF_HOME }],
                    },
                ],
            },
        },
    };
}

/** What a prefill or decode component is made of. */
export interface WorkerComponentArgs {
    /** prefill or decode (--disaggregation-mode and the component type). */
    readonly role: WorkerRole;
    /** Pods of this role (prefillReplicas or decodeReplicas). */
    readonly replicas: number;
    /** The Dynamo vLLM runtime image (the EFA variant with EFA). */
    readonly image: string;
    /** vLLM engine flags both roles share. */
    readonly engine: EngineSettings;
    /** GPU, CPU, memory, EFA, huge pages and /dev/shm of one pod. */
    readonly resources: WorkerResources;
    /** NIXL backend of the KV transfer: LIBFABRIC over EFA, else UCX. */
    readonly nixlBackend: NixlBackend;
    /** The GPU supports GPUDirect RDMA (FI_EFA_USE_DEVICE_RDMA). */
    readonly gpuDirectRdma: boolean;
    /** The node-local model cache the workers read offline. */
    readonly modelCache: ModelCacheMount;
    /** Prefill workers publish KV events (only the KV router reads them). */
    readonly publishKvEvents: boolean;
}

/** dynamo.vllm's arguments for one role (flags from tests/fixtures/flags.ts, Dynamo 1.6). */
export function workerArgs(a: WorkerComponentArgs): string[] {
    const args = [
        "--model",
        a.engine.model,
        ...engineArgs(a.engine),
        "--disaggregation-mode",
        a.role,
        // A prefill worker without it raises ValueError; decode needs the same connector.
        "--kv-transfer-config",
        nixlKvTransferConfig(a.nixlBackend),
    ];
    if (a.role === "prefill") {
        args.push("--enable-prefix-caching");
        if (a.publishKvEvents) {
            args.push("--kv-events-config", KV_EVENTS_CONFIG);
        }
    }
    return args;
}

/**
 * A prefill or decode worker (`python3 -m dynamo.vllm`), its pod template from the shared
 * worker builder (GPU, EFA, huge pages, /dev/shm, the model cache, placement), probed on
 * Dynamo's system port.
 */
export function workerComponent(a: WorkerComponentArgs): DynamoComponent {
    const labels = componentLabels(a.role);
    return {
        name: a.role,
        type: a.role,
        replicas: a.replicas,
        runtimeVersionOverride: DYNAMO_RUNTIME_VERSION,
        sharedMemorySize: "0",
        podTemplate: {
            metadata: {
                labels,
                // Every GPU is taken: a surge pod would stay Pending and stall the rollout
                // (docs/kubernetes/rolling-update.md, "Control the Pace").
                annotations: {
                    "nvidia.com/deployment-rolling-update-max-surge": "0",
                    "nvidia.com/deployment-rolling-update-max-unavailable": "1",
                    ...workerPodSecurityExceptions(a.resources.efaDevices > 0),
                },
            },
            spec: workerPodSpec({
                role: a.role,
                labels,
                containerName: MAIN_CONTAINER,
                sideChannelPortName: "nixl-side",
                image: a.image,
                command: ["python3", "-m", "dynamo.vllm"],
                args: workerArgs(a),
                ports: [{ name: "system", containerPort: DYNAMO_SYSTEM_PORT }],
                probes: workerProbes({ startup: "/live", ready: "/health", live: "/live" }, "system"),
                env: env({
                    DYN_SYSTEM_PORT: String(DYNAMO_SYSTEM_PORT),
                    // /health turns ready only once the generate endpoint serves.
                    DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate"]',
                }),
                resources: a.resources,
                nixlBackend: a.nixlBackend,
                gpuDirectRdma: a.gpuDirectRdma,
                modelCache: a.modelCache,
                // Kubernetes discovery: workers register and watch through the API (the operator's
                // <dgd>-k8s-service-discovery ServiceAccount).
                callsKubernetesApi: true,
            }),
        },
    };
}
