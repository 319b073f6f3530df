/**
 * The stack config schema: every key, its type, default and description, in one place.
 * Pulumi.yaml declares the same keys (tests/schema.test.ts proves the two agree).
 *
 * Keys are flat and live in the project namespace: `pulumi config set prefillReplicas 8`.
 */

export type ConfigType = "string" | "integer" | "boolean" | "array";

interface KeyBase {
    description: string;
    /**
     * The program reads the value only as a secret. Pulumi.yaml cannot declare it `secret: true`
     * with a default, so it declares the default "" and users set it with `--secret`.
     */
    secret?: boolean;
}
export interface StringKey extends KeyBase {
    type: "string";
    default: string;
    /** When set, the only values allowed. */
    allowed?: readonly string[];
}
export interface IntegerKey extends KeyBase {
    type: "integer";
    default: number;
    min: number;
    max: number;
}
export interface BooleanKey extends KeyBase {
    type: "boolean";
    default: boolean;
}
export interface ArrayKey extends KeyBase {
    type: "array";
    default: readonly string[];
}
export type KeySpec = StringKey | IntegerKey | BooleanKey | ArrayKey;

export const GRAPHS = ["dynamo", "vllm-router"] as const;
export type Graph = (typeof GRAPHS)[number];

/** Kubernetes versions in EKS standard support that this program is tested against. */
export const KUBERNETES_VERSIONS = ["1.34", "1.35"] as const;

/** vllm-router load-balancing policies (vllm-project/router src/main.rs, --policy). */
export const ROUTER_POLICIES = ["random", "round_robin", "cache_aware", "power_of_two", "consistent_hash"] as const;
/** Dynamo frontend router modes (dynamo.frontend --router-mode). */
export const DYNAMO_ROUTER_MODES = ["kv", "round-robin", "random"] as const;
export const ENDPOINT_SCHEMES = ["internal", "internet-facing"] as const;
export const GPU_CAPACITY_TYPES = ["ON_DEMAND", "CAPACITY_BLOCK"] as const;
/** Sizes of the monitoring stack (components/platform/monitoring/footprint.ts). */
export const MONITORING_FOOTPRINTS = ["standard", "small"] as const;
/** KV-cache block sizes vLLM accepts on CUDA (--block-size choices). */
export const BLOCK_SIZES = [16, 32, 64, 128] as const;
export const TENSOR_PARALLEL_SIZES = [1, 2, 4, 8] as const;
/** EKS's default quota of nodes in one managed node group. */
export const MAX_NODES_PER_NODE_GROUP = 450;

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
        description: "GPU nodes. 0: derived from the GPU pods (replicas x tensorParallelSize / GPUs per node, rounded up).",
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
        allowed: KUBERNETES_VERSIONS,
        description: "EKS Kubernetes version (versions in EKS standard support as of 2026-11).",
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
        description: "CIDRs allowed to reach the public EKS API endpoint. Narrow it to your network.",
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
        description: "Keep etcd and NATS JetStream deployed even when graph is vllm-router (to switch graphs without recreating them).",
    },
    routerPolicy: {
        type: "string",
        default: "consistent_hash",
        allowed: ROUTER_POLICIES,
        description: "vllm-router load-balancing policy (--policy).",
    },
    dynamoRouterMode: {
        type: "string",
        default: "kv",
        allowed: DYNAMO_ROUTER_MODES,
        description: "Dynamo frontend router mode (--router-mode).",
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
        description: "Client CIDRs allowed to reach an internet-facing endpoint.",
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
