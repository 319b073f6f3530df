/**
 * The plan summary, derived from what the program registered (not from config), so it shows
 * what `pulumi up` would really create.
 */
import { CostBreakdown, Fleet, hourlyCost, VcpuQuota, vcpuQuotas } from "../../stacks/sizing/cost";
import { GPU_INSTANCE_TYPES, PRICE_REGION, PRICE_SOURCE } from "../../stacks/catalog/instances";
import { RecordedResource } from "./mocks";
import { KubernetesObject, kubernetesObjects, podSpecOf, workloadReplicas } from "./objects";
import { GPU_POOL, NODE_POOL_LABEL, SYSTEM_POOL } from "../../components/k8s/labels";
import { PROOF_LABEL } from "../../components/serving/proof/job";

export interface PlanSummary {
    stack: string;
    graph: string;
    model: string;
    region: string;
    gpuInstanceType: string;
    /** ON_DEMAND or CAPACITY_BLOCK (billed up front; hourlyCostUsd still prices it on demand). */
    gpuCapacityType: string;
    gpuNodes: number;
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
     * Hub downloads of the model in one deploy, read off the manifests: pods whose containers name
     * the model without HF_HUB_OFFLINE=1, counted per running pod (a DaemonSet once per node it selects).
     */
    modelDownloadsPerDeploy: number;
    resourceCount: number;
    kubernetesObjects: number;
    helmReleases: number;
    /** On-demand USD per hour. */
    hourlyCostUsd: number;
    costBreakdown: CostBreakdown;
    priceRegion: string;
    priceSource: string;
    /** EC2 On-Demand vCPU quotas the nodes need. */
    vcpuQuotas: VcpuQuota[];
    /** Which proof Jobs `pulumi up` runs (config smokeTest, benchmark, accuracyEval), read off the Jobs planned. */
    proofJobs: ProofJobsSummary;
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

interface NodeGroupInputs {
    instanceTypes?: string[];
    scalingConfig?: { desiredSize?: number };
    capacityType?: string;
    labels?: Record<string, string>;
}

function nodeGroup(resources: RecordedResource[], pool: string): { instanceType: string; nodes: number; capacityType: string } {
    const group = resources.find(
        (r) => r.type === "eks:index:ManagedNodeGroup" && (r.inputs as NodeGroupInputs).labels?.[NODE_POOL_LABEL] === pool,
    );
    const inputs = (group?.inputs ?? {}) as NodeGroupInputs;
    // With a launch template of its own, the group's instance type is the template's.
    const template = resources.find(
        (r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && group !== undefined && r.parent === group.parent,
    );
    const instanceType = inputs.instanceTypes?.[0] ?? (template?.inputs.instanceType as string | undefined) ?? "";
    return { instanceType, nodes: inputs.scalingConfig?.desiredSize ?? 0, capacityType: inputs.capacityType ?? "ON_DEMAND" };
}

/** nvidia.com/gpu limits of one pod of the workload. */
export function podGpuLimit(object: KubernetesObject): number {
    const containers = podSpecOf(object)?.containers ?? [];
    return containers.reduce((sum, c) => sum + Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
}

function replicasOfRole(objects: KubernetesObject[], role: string): number {
    return objects
        .filter((o) => o.metadata?.labels?.["app.kubernetes.io/component"] === role && podGpuLimit(o) > 0)
        .reduce((sum, o) => sum + workloadReplicas(o), 0);
}

/** Whether a pod template has a container that names the model and may reach the hub. */
export function reachesHub(object: KubernetesObject, model: string): boolean {
    const spec = podSpecOf(object);
    const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
    return containers.some((c) => {
        const env = c.env ?? [];
        const offline = env.some((e) => e.name === "HF_HUB_OFFLINE" && e.value === "1");
        const text = JSON.stringify([c.command ?? [], c.args ?? [], env.map((e) => e.value ?? "")]);
        return !offline && text.includes(model);
    });
}

/** Pods of a workload at once; a DaemonSet runs one per node of the pool it selects. */
function runningPods(object: KubernetesObject, nodesPerPool: Record<string, number>): number {
    if (object.kind === "DaemonSet") {
        const pool = podSpecOf(object)?.nodeSelector?.[NODE_POOL_LABEL];
        return pool ? (nodesPerPool[pool] ?? 0) : Object.values(nodesPerPool).reduce((a, b) => a + b, 0);
    }
    return workloadReplicas(object);
}

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarize(
    stack: string,
    projectConfig: { graph: string; model: string },
    region: string,
    resources: RecordedResource[],
): PlanSummary {
    const objects = kubernetesObjects(resources);
    const gpu = nodeGroup(resources, GPU_POOL);
    const system = nodeGroup(resources, SYSTEM_POOL);
    const gpuType = GPU_INSTANCE_TYPES[gpu.instanceType];
    const gpusPerNode = gpuType?.gpus ?? 0;
    const gpusProvisioned = gpu.nodes * gpusPerNode;
    const gpusRequested = objects.filter((o) => o.kind !== "DaemonSet").reduce((sum, o) => sum + workloadReplicas(o) * podGpuLimit(o), 0);
    const fleet: Fleet = {
        gpuInstanceType: gpu.instanceType,
        gpuNodes: gpu.nodes,
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
        gpusPerNode,
        gpusProvisioned,
        gpusRequested,
        gpuUtilisation: gpusProvisioned === 0 ? 0 : round(gpusRequested / gpusProvisioned),
        prefillReplicas: replicasOfRole(objects, "prefill"),
        decodeReplicas: replicasOfRole(objects, "decode"),
        systemInstanceType: system.instanceType,
        systemNodes: system.nodes,
        modelDownloadsPerDeploy: objects
            .filter((o) => reachesHub(o, projectConfig.model))
            .reduce((sum, o) => sum + runningPods(o, { [GPU_POOL]: gpu.nodes, [SYSTEM_POOL]: system.nodes }), 0),
        resourceCount: resources.length,
        kubernetesObjects: objects.length,
        helmReleases: resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").length,
        hourlyCostUsd,
        costBreakdown,
        priceRegion: PRICE_REGION,
        priceSource: PRICE_SOURCE,
        vcpuQuotas: vcpuQuotas(fleet),
        proofJobs: proofJobs(objects),
    };
}
