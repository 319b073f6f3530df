/**
 * The stack config schema: every key, its type, default and description, in one place.
 * Pulumi.yaml declares the same keys (tests/schema.test.ts proves the two agree).
 *
 * Keys are flat and live in the project namespace: `pulumi config set prefillReplicas 8`.
 */

import { DEFAULT_GPU_AMI_RELEASE, GPU_AMI_RELEASE_NAMES } from "./catalog/amis";

export type ConfigType = "string" | "integer" | "boolean" | "array";

interface KeyBase {
    description: string;
    /**
     * The program reads the value only as a secret. Pulumi.yaml cannot declare it `secret: true`
     * with a default, so it declares the default "" and users set it with `--secret`.
     */
    secret?: boolean;
}
/** A string key, optionally one of `allowed`. */
export interface StringKey extends KeyBase {
    type: "string";
    default: string;
    /** When set, the only values allowed. */
    allowed?: readonly string[];
}
/** An integer key within [min, max]. */
export interface IntegerKey extends KeyBase {
    type: "integer";
    default: number;
    min: number;
    max: number;
}
/** A true/false key. */
export interface BooleanKey extends KeyBase {
    type: "boolean";
    default: boolean;
}
/** A list of strings (comma-separated or a YAML list). */
export interface ArrayKey extends KeyBase {
    type: "array";
    default: readonly string[];
}
export type KeySpec = StringKey | IntegerKey | BooleanKey | ArrayKey;

export const GRAPHS = ["dynamo", "vllm-router"] as const;
export type Graph = (typeof GRAPHS)[number];

/**
 * Kubernetes versions this program deploys: those in EKS standard support on 2026-12-01 that
 * have AL2023 NVIDIA AMIs in a catalogued release (stacks/catalog/amis.ts). 1.34 is refused
 * (stacks/validate/kubernetes.ts): its standard support ends 2026-12-02.
 */
export const KUBERNETES_VERSIONS = ["1.35", "1.36"] as const;

/**
 * vllm-router P/D policies (vllm-project/router v0.1.15 src/main.rs: --prefill-policy and
 * --decode-policy take the --policy values except kv_aware, which needs KV events).
 */
export const ROUTER_POLICIES = ["random", "round_robin", "cache_aware", "power_of_two", "consistent_hash", "rendezvous_hash"] as const;
/** Dynamo frontend router modes (dynamo.frontend --router-mode). */
export const DYNAMO_ROUTER_MODES = ["kv", "round-robin", "random"] as const;
/**
 * How Dynamo's components find each other (DYN_DISCOVERY_BACKEND): Kubernetes-native discovery,
 * the operator's default, or our etcd (deprecated by Dynamo on Kubernetes).
 */
export const DYNAMO_DISCOVERY_BACKENDS = ["kubernetes", "etcd"] as const;
export const ENDPOINT_SCHEMES = ["internal", "internet-facing"] as const;
export const GPU_CAPACITY_TYPES = ["ON_DEMAND", "CAPACITY_BLOCK"] as const;
/** Sizes of the monitoring stack (components/platform/monitoring/footprint.ts). */
export const MONITORING_FOOTPRINTS = ["standard", "small"] as const;
/** KV-cache block sizes vLLM accepts on CUDA (--block-size choices). */
export const BLOCK_SIZES = [16, 32, 64, 128] as const;
export const TENSOR_PARALLEL_SIZES = [1, 2, 4, 8] as const;
/** EKS control-plane log types (eks.Cluster enabledClusterLogTypes; EKS API LogSetup types). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
/** EKS's default quota of nodes in one managed node group. */
export const MAX_NODES_PER_NODE_GROUP = 450;
/** At most this many spare GPU nodes: each is a whole idle GPU node (a p5.48xlarge is ~$55/h). */
export const MAX_SPARE_GPU_NODES = 16;

export const CONFIG_SCHEMA = {
    graph: {
        type: "string",
        default: "vllm-router",
        allowed: GRAPHS,
        description:
            "Serving graph: 'dynamo' (NVIDIA Dynamo frontend with KV-aware router) or 'vllm-router' (vllm-router in P/D mode over vLLM pods).",
    },
    model: {
        type: "string",
        default: "Qwen/Qwen3-0.6B",
        description: "Hugging Face model id served by every prefill and decode worker.",
    },
    modelRevision: {
        type: "string",
        default: "",
        description:
            "Commit hash (40 hex digits) of the model repo to serve, so every node downloads the same weights; empty: the main branch at download time (a preview warning).",
    },
    modelParamsBillions: {
        type: "string",
        default: "",
        description:
            "Parameter count of the model in billions (e.g. '8.03'), for models the pre-flight check does not know; empty: look it up.",
    },
    prefillReplicas: {
        type: "integer",
        default: 1,
        min: 0,
        max: 1024,
        description: "Prefill worker pods. 0 together with decodeReplicas 0 parks the graph (no GPU pods).",
    },
    decodeReplicas: {
        type: "integer",
        default: 1,
        min: 0,
        max: 1024,
        description: "Decode worker pods. 0 together with prefillReplicas 0 parks the graph (no GPU pods).",
    },
    frontendReplicas: {
        type: "integer",
        default: 2,
        min: 1,
        max: 32,
        description: "Replicas of the request router in front of the workers (Dynamo frontend or vllm-router).",
    },
    tensorParallelSize: {
        type: "integer",
        default: 1,
        min: 1,
        max: 8,
        description: "GPUs per prefill/decode pod (vLLM --tensor-parallel-size): 1, 2, 4 or 8, at most the GPUs of one node.",
    },
    gpuInstanceType: {
        type: "string",
        default: "g5.xlarge",
        description: "EC2 instance type of the GPU node group.",
    },
    gpuNodeCount: {
        type: "integer",
        default: 0,
        min: 0,
        max: MAX_NODES_PER_NODE_GROUP,
        description:
            "GPU nodes. 0: derived from the GPU pods (replicas x tensorParallelSize / GPUs per node, rounded up; with efa, prefill and decode pods on separate nodes, each role rounded up), plus spareGpuNodes. A fixed count includes its spares (spareGpuNodes must stay 0).",
    },
    spareGpuNodes: {
        type: "integer",
        default: 0,
        min: 0,
        max: MAX_SPARE_GPU_NODES,
        description:
            "Spare GPU nodes on top of the derived count (gpuNodeCount 0 only): idle nodes, already holding the model, that the workers of a repaired or replaced node reschedule onto at once; each costs a full node. None while the graph is parked.",
    },
    gpuCapacityType: {
        type: "string",
        default: "ON_DEMAND",
        allowed: GPU_CAPACITY_TYPES,
        description:
            "How GPU nodes are bought: ON_DEMAND (optionally from gpuCapacityReservationId, an On-Demand Capacity Reservation) or CAPACITY_BLOCK (a Capacity Block for ML, gpuCapacityReservationId required).",
    },
    gpuCapacityReservationId: {
        type: "string",
        default: "",
        description:
            "Capacity reservation (cr-...) the GPU nodes launch into: a targeted On-Demand Capacity Reservation or a Capacity Block, in gpuAvailabilityZone.",
    },
    gpuSubnetIds: {
        type: "array",
        default: [],
        description:
            "With vpcId: private subnets of gpuAvailabilityZone for the GPU nodes (required with gpuCapacityReservationId); default all privateSubnetIds.",
    },
    efa: {
        type: "boolean",
        default: false,
        description: "Give GPU nodes and worker pods EFA devices and move KV cache over NIXL's LIBFABRIC backend.",
    },
    workerCpu: {
        type: "string",
        default: "3",
        description: "CPU request (and limit) of each prefill/decode pod, a Kubernetes quantity such as '22' or '3500m'.",
    },
    workerMemory: {
        type: "string",
        default: "12Gi",
        description: "Memory request (and limit) of each prefill/decode pod, a Kubernetes quantity such as '100Gi'.",
    },
    systemInstanceType: {
        type: "string",
        default: "m7i.xlarge",
        description: "EC2 instance type of the system (CPU) node group that runs routers, etcd, NATS and controllers.",
    },
    systemNodeCount: {
        type: "integer",
        default: 3,
        min: 1,
        max: 50,
        description: "System nodes. etcd and NATS need 3 (one member per node) when they are deployed.",
    },
    kubernetesVersion: {
        type: "string",
        default: "1.35",
        description: `EKS Kubernetes version: ${KUBERNETES_VERSIONS.join(" or ")} (in EKS standard support on 2026-12-01, with AL2023 NVIDIA AMIs; 1.34 leaves standard support on 2026-12-02 and is refused).`,
    },
    gpuAmiRelease: {
        type: "string",
        default: DEFAULT_GPU_AMI_RELEASE,
        allowed: GPU_AMI_RELEASE_NAMES,
        description:
            "EKS AL2023 NVIDIA AMI release (vYYYYMMDD) the GPU nodes are pinned to, so no pulumi up replaces them when AWS publishes a new AMI; change it to roll the nodes on purpose.",
    },
    availabilityZones: {
        type: "array",
        default: ["us-east-1a", "us-east-1b", "us-east-1c"],
        description: "Availability zones of a new VPC (2 to 4, all in aws:region). Ignored with vpcId.",
    },
    gpuAvailabilityZone: {
        type: "string",
        default: "us-east-1a",
        description: "The one availability zone of the GPU nodes (and of their EFA cluster placement group).",
    },
    vpcCidr: {
        type: "string",
        default: "10.0.0.0/16",
        description: "CIDR of a new VPC (prefix /16 to /20). Ignored with vpcId.",
    },
    vpcId: {
        type: "string",
        default: "",
        description:
            "An existing VPC to use instead of creating one; needs privateSubnetIds (and publicSubnetIds for an internet-facing endpoint).",
    },
    privateSubnetIds: {
        type: "array",
        default: [],
        description: "Private subnets of vpcId for nodes and internal load balancers (at least 2, one in gpuAvailabilityZone).",
    },
    publicSubnetIds: {
        type: "array",
        default: [],
        description: "Public subnets of vpcId for internet-facing load balancers.",
    },
    adminRoleArns: {
        type: "array",
        default: [],
        description: "IAM role or user ARNs given cluster-admin through EKS access entries (the deploying identity is admin already).",
    },
    apiPublicAccessCidrs: {
        type: "array",
        default: ["0.0.0.0/0"],
        description:
            "CIDRs allowed to reach the public EKS API endpoint; narrow it to your network. Empty: no public endpoint (private only), and pulumi up must then run from inside the VPC.",
    },
    controlPlaneLogTypes: {
        type: "array",
        default: ["api", "audit", "authenticator"],
        description:
            "EKS control-plane logs sent to CloudWatch Logs: any of api, audit, authenticator, controllerManager, scheduler; empty turns logging off.",
    },
    hfToken: {
        type: "string",
        default: "",
        secret: true,
        description: "Hugging Face token (set with --secret); needed by pulumi up for gated models such as meta-llama/*.",
    },
    dynamoInfra: {
        type: "boolean",
        default: false,
        description:
            "Keep the Dynamo platform (operator), NATS JetStream and, with dynamoDiscovery=etcd, etcd deployed even when graph is vllm-router (to switch graphs without recreating them).",
    },
    routerPolicy: {
        type: "string",
        default: "cache_aware",
        allowed: ROUTER_POLICIES,
        description:
            "vllm-router policy choosing the prefill pod (--prefill-policy); cache_aware sends requests with a shared prompt prefix to the same prefill pod.",
    },
    routerDecodePolicy: {
        type: "string",
        default: "power_of_two",
        allowed: ROUTER_POLICIES,
        description: "vllm-router policy choosing the decode pod (--decode-policy); power_of_two picks the less loaded of two.",
    },
    dynamoRouterMode: {
        type: "string",
        default: "kv",
        allowed: DYNAMO_ROUTER_MODES,
        description: "Dynamo frontend router mode (--router-mode).",
    },
    dynamoDiscovery: {
        type: "string",
        default: "kubernetes",
        allowed: DYNAMO_DISCOVERY_BACKENDS,
        description:
            "Dynamo service discovery: 'kubernetes' (the operator's default: EndpointSlices and DynamoWorkerMetadata) or 'etcd' (deploys our 3-member etcd and points the graph at it).",
    },
    blockSize: {
        type: "integer",
        default: 128,
        min: 16,
        max: 128,
        description: "vLLM KV-cache block size, identical on prefill and decode (--block-size): 16, 32, 64 or 128.",
    },
    maxModelLen: {
        type: "integer",
        default: 32000,
        min: 256,
        max: 1048576,
        description: "Maximum context length in tokens (--max-model-len).",
    },
    endpointScheme: {
        type: "string",
        default: "internal",
        allowed: ENDPOINT_SCHEMES,
        description:
            "Scheme of the endpoint's Network Load Balancer: 'internal' (VPC only) or 'internet-facing' (needs endpointAllowedCidrs).",
    },
    endpointAllowedCidrs: {
        type: "array",
        default: [],
        description:
            "Client CIDRs the endpoint's NLB admits. Required for an internet-facing endpoint; empty for an internal one: the VPC's CIDR.",
    },
    endpointCertificateArn: {
        type: "string",
        default: "",
        description: "ACM certificate ARN (in aws:region) for TLS on the endpoint's NLB (port 443); empty: plain HTTP on port 80.",
    },
    smokeTest: {
        type: "boolean",
        default: true,
        description:
            "Run the smoke-test Job after the serving graph; pulumi up waits for it and fails if a request, the NIXL transfer counters or (with efa) the LIBFABRIC backend check fails.",
    },
    benchmark: {
        type: "boolean",
        default: false,
        description:
            "Run the benchmark Job (vllm bench serve at the seed's, the published 8P+8D table's and a long-input point); results go to the stack's results bucket.",
    },
    accuracyEval: {
        type: "boolean",
        default: false,
        description: "Run the accuracy Job (lm_eval gsm8k, as the seed's run-eval.sh); results go beside the benchmark's.",
    },
    monitoring: {
        type: "boolean",
        default: true,
        description:
            "Deploy kube-prometheus-stack (Prometheus, Alertmanager, Grafana with the P/D serving and GPU dashboards, alert rules) and the DCGM exporter on GPU nodes.",
    },
    monitoringFootprint: {
        type: "string",
        default: "standard",
        allowed: MONITORING_FOOTPRINTS,
        description:
            "Size of the monitoring stack: 'standard' (Prometheus 50Gi gp3, 15 days) or 'small' (10Gi, 3 days, smaller requests; the dev stack).",
    },
    monitoringAmpWorkspace: {
        type: "boolean",
        default: false,
        description:
            "With monitoring: create an Amazon Managed Service for Prometheus workspace and remote-write every series to it (SigV4, IRSA).",
    },
    ttftP99AlertMs: {
        type: "integer",
        default: 2000,
        min: 50,
        max: 600000,
        description:
            "Alert when the 5-minute p99 time to first token (vLLM engines or the Dynamo frontend) exceeds this many milliseconds.",
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

type ValueOf<S> = S extends { type: "integer" }
    ? number
    : S extends { type: "boolean" }
      ? boolean
      : S extends { type: "array" }
        ? string[]
        : S extends { allowed: readonly (infer U)[] }
          ? U
          : string;

/** Config values after parsing and defaults. */
export type ConfigValues = { -readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_SCHEMA)[K]> };

export function isConfigKey(key: string): key is ConfigKey {
    return Object.prototype.hasOwnProperty.call(CONFIG_SCHEMA, key);
}
