/**
 * Which changes make `pulumi up` replace a resource rather than update it in place: a change to
 * an immutable field deletes the old object and creates a new one (pods restart, volumes and
 * load balancers are recreated, GPU nodes are replaced). The diff marks such changes so a
 * reviewer sees them before merging.
 */
import type { ValueChange } from "./compare";

/**
 * Immutable fields of Kubernetes objects, as path prefixes of the manifest (Kubernetes API
 * reference: StatefulSet spec fields other than replicas, template, updateStrategy,
 * persistentVolumeClaimRetentionPolicy, minReadySeconds and ordinals are forbidden to update;
 * Deployment/DaemonSet spec.selector; Job spec.template and selector; Service clusterIP;
 * PVC spec other than resources; object identity everywhere). pulumi-kubernetes replaces the
 * object when one of them changes.
 */
const KUBERNETES_IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
    "*": ["metadata.name", "metadata.namespace", "kind", "apiVersion"],
    StatefulSet: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"],
    Deployment: ["spec.selector"],
    DaemonSet: ["spec.selector"],
    Job: ["spec.selector", "spec.template", "spec.completions"],
    Service: ["spec.clusterIP", "spec.clusterIPs", "spec.loadBalancerClass"],
    PersistentVolumeClaim: ["spec.accessModes", "spec.storageClassName", "spec.volumeName", "spec.selector"],
    StorageClass: ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"],
    PodDisruptionBudget: [],
};

/**
 * Inputs that force a new cloud resource (the providers mark them ForceNew / replaceOnChanges:
 * an EKS managed node group cannot change its instance types, AMI type, capacity type, disk
 * size, subnets or name in place; a VPC or subnet its CIDR or zone; an EKS cluster its name).
 */
const CLOUD_REPLACING_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "eks:index:ManagedNodeGroup": [
        "instanceTypes",
        "amiType",
        "capacityType",
        "diskSize",
        "subnetIds",
        "nodeGroupName",
        "nodeRole",
        "nodeRoleArn",
    ],
    "aws:eks/nodeGroup:NodeGroup": ["instanceTypes", "amiType", "capacityType", "diskSize", "subnetIds", "nodeGroupName", "nodeRoleArn"],
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["cidrBlock", "availabilityZone", "vpcId"],
    "eks:index:Cluster": ["name", "vpcId"],
    "aws:ec2/placementGroup:PlacementGroup": ["strategy", "name"],
};

/** Whether a change path is at or under a prefix (`spec.selector` covers `spec.selector.matchLabels.app`). */
function under(path: string, prefix: string): boolean {
    return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** The immutable paths among a Kubernetes object's changes (sorted, each prefix once). */
export function kubernetesReplacedBy(kind: string, changes: readonly ValueChange[]): string[] {
    const prefixes = [...KUBERNETES_IMMUTABLE["*"], ...(KUBERNETES_IMMUTABLE[kind] ?? [])];
    return [...new Set(changes.flatMap((c) => prefixes.filter((p) => under(c.path, p))))].sort();
}

/** The replacing inputs among a cloud resource's changes (sorted, each input once). */
export function cloudReplacedBy(type: string, changes: readonly ValueChange[]): string[] {
    const inputs = CLOUD_REPLACING_INPUTS[type] ?? [];
    return [...new Set(changes.flatMap((c) => inputs.filter((p) => under(c.path, p))))].sort();
}
