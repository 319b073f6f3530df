/**
 * The plan summary, derived from what the program registered (not from config), so it shows
 * what `pulumi up` would really create.
 */
import { CostBreakdown, Fleet, hourlyCost, spareGpuNodesHourlyUsd, VcpuQuota, vcpuQuotas } from "../../stacks/sizing/cost";
import { GPU_INSTANCE_TYPES, PRICE_REGION, PRICE_SOURCE } from "../../stacks/catalog/instances";
import { RecordedResource } from "./mocks";
import { KubernetesObject, PodSet, podSetsOf, PodSpec, kubernetesObjects } from "./objects";
import { GPU_POOL, NODE_POOL_LABEL, SPARE_GPU_NODES_TAG, SYSTEM_POOL } from "../../components/k8s/labels";
import { PROOF_LABEL } from "../../components/serving/proof/job";
import { podSecurityOf, PodSecurityLevel } from "./podSecurity";

/** What a plan provisions and costs, read off the registered resources. */
export interface PlanSummary {
    stack: string;
    graph: string;
    model: string;
    region: string;
    gpuInstanceType: string;
    /** ON_DEMAND or CAPACITY_BLOCK (billed up front; hourlyCostUsd still prices it on demand). */
    gpuCapacityType: string;
    gpuNodes: number;
    /** Of gpuNodes, the spare ones (config spareGpuNodes), from the GPU node group's tag. */
    spareGpuNodes: number;
    gpusPerNode: number;
    /** gpuNodes x gpusPerNode. */
    gpusProvisioned: number;
    /** Sum over workloads (not DaemonSets) of replicas x the pod's nvidia.com/gpu limits. */
    gpusRequested: number;
    /** gpusRequested / gpusProvisioned (0 when nothing is provisioned). */
    gpuUtilisation: number;
    prefillReplicas: number;
    decodeReplicas: number;
    systemInstanceType: string;
    systemNodes: number;
    /**
     * Pods of one deploy that may fetch the model's files from the hub, read off the manifests: pods
     * whose containers name the model (or, like Dynamo's frontend, fetch its tokenizer and config
     * anyway) without HF_HUB_OFFLINE=1, counted per running pod (a DaemonSet once per node it selects,
     * a Dynamo component once per replica).
     */
    modelDownloadsPerDeploy: number;
    resourceCount: number;
    kubernetesObjects: number;
    helmReleases: number;
    /** On-demand USD per hour. */
    hourlyCostUsd: number;
    costBreakdown: CostBreakdown;
    /** What the spare GPU nodes cost, USD per hour on demand: included in costBreakdown.gpuNodes. */
    spareGpuNodesHourlyUsd: number;
    priceRegion: string;
    priceSource: string;
    /** EC2 On-Demand vCPU quotas the nodes need. */
    vcpuQuotas: VcpuQuota[];
    /** Which proof Jobs `pulumi up` runs (config smokeTest, benchmark, accuracyEval), read off the Jobs planned. */
    proofJobs: ProofJobsSummary;
    /**
     * The Pod Security Standards level of every pod template the program creates (charts' pods
     * are not planned objects), with the checks it is excepted from by name.
     */
    podSecurity: PodSecurityEntry[];
}

/** One pod template's Pod Security level. */
export interface PodSecurityEntry {
    /** `<namespace>/<Kind>/<name>[/<component>]`. */
    pod: string;
    level: PodSecurityLevel;
    /** The level once the violations its named baseline exceptions cover are waived. */
    levelWithExceptions: PodSecurityLevel;
    /** Checks it is excepted from (pd-serving/pod-security-exceptions). */
    exceptions: string[];
    /** Failed checks no named exception covers: a bug, the stack tests require none. */
    uncovered: string[];
}

/** Proof Jobs in the plan, by their pd-serving/proof label. */
export interface ProofJobsSummary {
    smokeTest: boolean;
    benchmark: boolean;
    accuracyEval: boolean;
}

function proofJobs(objects: KubernetesObject[]): ProofJobsSummary {
    const kinds = new Set(objects.filter((o) => o.kind === "Job").map((o) => o.metadata?.labels?.[PROOF_LABEL]));
    return { smokeTest: kinds.has("smoke"), benchmark: kinds.has("benchmark"), accuracyEval: kinds.has("accuracy") };
}

/** The managed node groups (system and GPU) are aws.eks.NodeGroups. */
const NODE_GROUP_TYPE = "aws:eks/nodeGroup:NodeGroup";

interface NodeGroupInputs {
    instanceTypes?: string[];
    scalingConfig?: { desiredSize?: number };
    capacityType?: string;
    labels?: Record<string, string>;
    tags?: Record<string, string>;
}

function nodeGroup(
    resources: RecordedResource[],
    pool: string,
): { instanceType: string; nodes: number; spareNodes: number; capacityType: string } {
    const group = resources.find((r) => r.type === NODE_GROUP_TYPE && (r.inputs as NodeGroupInputs).labels?.[NODE_POOL_LABEL] === pool);
    const inputs = (group?.inputs ?? {}) as NodeGroupInputs;
    // With a launch template of its own, the group's instance type is the template's.
    const template = resources.find(
        (r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && group !== undefined && r.parent === group.parent,
    );
    const instanceType = inputs.instanceTypes?.[0] ?? (template?.inputs.instanceType as string | undefined) ?? "";
    return {
        instanceType,
        nodes: inputs.scalingConfig?.desiredSize ?? 0,
        spareNodes: Number(inputs.tags?.[SPARE_GPU_NODES_TAG] ?? 0),
        capacityType: inputs.capacityType ?? "ON_DEMAND",
    };
}

/** nvidia.com/gpu limits of one pod. */
export function podGpuLimit(spec: PodSpec): number {
    return spec.containers.reduce((sum, c) => sum + Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
}

function replicasOfRole(pods: PodSet[], role: string): number {
    return pods.filter((p) => p.role === role && podGpuLimit(p.spec) > 0).reduce((sum, p) => sum + p.replicas, 0);
}

/**
 * Programs that fetch the model's files from the hub without naming the model: Dynamo's frontend
 * takes the model from the workers' card and resolves the card's tokenizer and config files itself
 * (lib/llm model_card.rs `download_config`, the hub when they are not local).
 */
const HUB_READING_PROGRAMS = ["dynamo.frontend"];

/** Whether a pod has a container that names the model (or reads it anyway) and may reach the hub. */
export function reachesHub(spec: PodSpec, model: string): boolean {
    const containers = [...(spec.initContainers ?? []), ...spec.containers];
    return containers.some((c) => {
        const env = c.env ?? [];
        const offline = env.some((e) => e.name === "HF_HUB_OFFLINE" && e.value === "1");
        const command = [...(c.command ?? []), ...(c.args ?? [])];
        const text = JSON.stringify([command, env.map((e) => e.value ?? "")]);
        return !offline && (text.includes(model) || HUB_READING_PROGRAMS.some((p) => command.includes(p)));
    });
}

/** Pods of a pod set at once; a DaemonSet runs one per node of the pool it selects. */
function runningPods(pods: PodSet, nodesPerPool: Record<string, number>): number {
    if (pods.kind === "DaemonSet") {
        const pool = pods.spec.nodeSelector?.[NODE_POOL_LABEL];
        return pool ? (nodesPerPool[pool] ?? 0) : Object.values(nodesPerPool).reduce((a, b) => a + b, 0);
    }
    return pods.replicas;
}

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarize(
    stack: string,
    projectConfig: { graph: string; model: string },
    region: string,
    resources: RecordedResource[],
): PlanSummary {
    const objects = kubernetesObjects(resources);
    const pods = objects.flatMap(podSetsOf);
    const gpu = nodeGroup(resources, GPU_POOL);
    const system = nodeGroup(resources, SYSTEM_POOL);
    const gpuType = GPU_INSTANCE_TYPES[gpu.instanceType];
    const gpusPerNode = gpuType?.gpus ?? 0;
    const gpusProvisioned = gpu.nodes * gpusPerNode;
    const gpusRequested = pods.filter((p) => p.kind !== "DaemonSet").reduce((sum, p) => sum + p.replicas * podGpuLimit(p.spec), 0);
    const fleet: Fleet = {
        gpuInstanceType: gpu.instanceType,
        gpuNodes: gpu.nodes,
        spareGpuNodes: gpu.spareNodes,
        systemInstanceType: system.instanceType,
        systemNodes: system.nodes,
        clusters: resources.filter((r) => r.type === "eks:index:Cluster").length,
        natGateways: resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length,
    };
    const { hourlyCostUsd, costBreakdown } = hourlyCost(fleet);
    return {
        stack,
        graph: projectConfig.graph,
        model: projectConfig.model,
        region,
        gpuInstanceType: gpu.instanceType,
        gpuCapacityType: gpu.capacityType,
        gpuNodes: gpu.nodes,
        spareGpuNodes: gpu.spareNodes,
        gpusPerNode,
        gpusProvisioned,
        gpusRequested,
        gpuUtilisation: gpusProvisioned === 0 ? 0 : round(gpusRequested / gpusProvisioned),
        prefillReplicas: replicasOfRole(pods, "prefill"),
        decodeReplicas: replicasOfRole(pods, "decode"),
        systemInstanceType: system.instanceType,
        systemNodes: system.nodes,
        modelDownloadsPerDeploy: pods
            .filter((p) => reachesHub(p.spec, projectConfig.model))
            .reduce((sum, p) => sum + runningPods(p, { [GPU_POOL]: gpu.nodes, [SYSTEM_POOL]: system.nodes }), 0),
        resourceCount: resources.length,
        kubernetesObjects: objects.length,
        helmReleases: resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").length,
        hourlyCostUsd,
        costBreakdown,
        spareGpuNodesHourlyUsd: spareGpuNodesHourlyUsd(fleet),
        priceRegion: PRICE_REGION,
        priceSource: PRICE_SOURCE,
        vcpuQuotas: vcpuQuotas(fleet),
        proofJobs: proofJobs(objects),
        podSecurity: podSecurity(objects),
    };
}

function podSecurity(objects: KubernetesObject[]): PodSecurityEntry[] {
    return objects
        .flatMap((o) => podSetsOf(o).map((p) => ({ pod: `${o.metadata.namespace ?? ""}/${p.where}`, p })))
        .map(({ pod, p }) => {
            const verdict = podSecurityOf(p.spec as unknown as Record<string, unknown>, p.annotations);
            return {
                pod,
                level: verdict.level,
                levelWithExceptions: verdict.levelWithExceptions,
                exceptions: verdict.exceptions,
                uncovered: verdict.uncovered.map((v) => `${v.check}: ${v.detail}`),
            };
        })
        .sort((a, b) => a.pod.localeCompare(b.pod));
}
