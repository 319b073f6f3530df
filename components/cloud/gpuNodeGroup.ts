import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { EFA_LABEL, GPU_POOL, GPU_TAINT, NODE_POOL_LABEL, SPARE_GPU_NODES_TAG } from "../k8s/labels";
import { gpuAmiReleaseVersion } from "../../stacks/catalog/amis";
import { encryptedRootVolume, NODE_METADATA_OPTIONS } from "./launchTemplate";

/** @default 200 GiB root volume: room for two ~12 GB inference images on instances without NVMe. */
export const GPU_NODE_DISK_GIB = 200;
/** On-demand unless a reservation or Capacity Block is given. */
const DEFAULT_CAPACITY_TYPE: GpuCapacityType = "ON_DEMAND";
/** No spare nodes unless asked (spareGpuNodes). */
const DEFAULT_SPARE_NODES = 0;

/** nodeadm config that assembles the instance-store NVMe as RAID0 for containerd and kubelet. */
export const NVME_RAID0_NODE_CONFIG = `apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  instance:
    localStorage:
      strategy: RAID0
`;

export type GpuCapacityType = "ON_DEMAND" | "CAPACITY_BLOCK";

/** What the GPU node group is built from. */
export interface GpuNodeGroupArgs {
    /** The EKS cluster the nodes join. */
    readonly cluster: eks.Cluster;
    /** The cluster's name; the node group is `<clusterName>-gpu`. */
    readonly clusterName: string;
    /** IAM role of the nodes. */
    readonly nodeRole: aws.iam.Role;
    /** EC2 instance type of the nodes. */
    readonly instanceType: string;
    /** Fixed size of the group, spare nodes included: GPU capacity is planned, not autoscaled. */
    readonly nodeCount: number;
    /** How many of nodeCount are spare (beyond what the workers need), recorded in a tag of the group. @default 0 */
    readonly spareNodes?: number;
    /** Puts the nodes in a cluster placement group with one EFA interface per network card. */
    readonly efa: boolean;
    /** EFA interfaces (= network cards) of the instance type; used with a capacity reservation. */
    readonly efaInterfaces: number;
    /** The one zone of the nodes (and of the placement group); subnetIds must lie in it. */
    readonly availabilityZone: string;
    /** Subnets of the nodes: the private subnet(s) of availabilityZone, or with an existing VPC its private subnets. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Assemble instance-store NVMe as RAID0 (the instance must have NVMe instance store). */
    readonly nvmeRaid0: boolean;
    /** @default GPU_NODE_DISK_GIB */
    readonly diskSizeGiB?: number;
    /** @default "ON_DEMAND" */
    readonly capacityType?: GpuCapacityType;
    /** Targeted On-Demand Capacity Reservation or Capacity Block (cr-...). */
    readonly capacityReservationId?: string;
    /** The cluster's primary security group, for the launch template's interfaces. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    /** The cluster's Kubernetes minor version (e.g. "1.35"), for the AMI of the pinned release. */
    readonly kubernetesVersion: string;
    /** EKS AL2023 NVIDIA AMI release (vYYYYMMDD) the nodes are pinned to, catalogued in stacks/catalog/amis.ts. */
    readonly amiRelease: string;
}

/** How the node group names its AMI: a release version EKS resolves, or an AMI id. */
export type GpuAmiPin = { readonly amiType: "AL2023_x86_64_NVIDIA"; readonly releaseVersion: string };

/**
 * The pinned AMI: the release's version (`1.35.6-20260714`) and the AL2023 NVIDIA AMI type. The
 * group's launch template is our own and names no image, so EKS launches that release (an AMI id
 * in the template would make EKS refuse amiType and releaseVersion); nodes change only when the
 * release does.
 */
export function gpuAmiPin(kubernetesVersion: string, amiRelease: string): GpuAmiPin {
    const releaseVersion = gpuAmiReleaseVersion(kubernetesVersion, amiRelease);
    if (releaseVersion === undefined) {
        throw new Error(`no AL2023 NVIDIA AMI release ${amiRelease} for Kubernetes ${kubernetesVersion} (stacks/validate checks this)`);
    }
    return { amiType: "AL2023_x86_64_NVIDIA", releaseVersion };
}

/**
 * Node updates without a surge: EKS's DEFAULT strategy "launches the new instances first, before
 * terminating the old instances"; MINIMAL "terminates the old instances before launching the new
 * instances ... useful ... with hardware accelerators such as GPUs" (EKS API NodegroupUpdateConfig),
 * one node at a time. p5 capacity (quota, Capacity Blocks) has no spare node to surge into.
 * @pulumi/aws 7.48.0 NodeGroupUpdateConfig: updateStrategy, maxUnavailable.
 */
export const NO_SURGE_UPDATE_CONFIG = { updateStrategy: "MINIMAL", maxUnavailable: 1 } as const;

/**
 * Node auto repair (EKS API NodeRepairConfig; @pulumi/aws 7.48.0 NodeGroupNodeRepairConfig has
 * enabled, maxParallelNodesRepairedCount/Percentage, maxUnhealthyNodeThresholdCount/Percentage and
 * nodeRepairConfigOverrides). With the node monitoring agent (./nodeMonitoringAgent.ts) EKS acts on
 * its AcceleratedHardwareReady condition after 10 minutes, on the others after 30, by a reboot or a
 * replacement per condition (EKS user guide, node-health). Here: one node at a time, like updates,
 * so a repair never takes both roles' nodes at once; and no repair once more than half the group
 * is unhealthy, where the cause is likely not one node's hardware (an AMI, a driver, a zone) and
 * replacing every node would only stop the serving. No overrides: EKS's default wait and action
 * per condition.
 */
export const GPU_NODE_REPAIR_CONFIG = {
    enabled: true,
    maxParallelNodesRepairedCount: 1,
    maxUnhealthyNodeThresholdPercentage: 50,
} as const;

/**
 * The GPU managed node group (aws.eks.NodeGroup): AL2023 NVIDIA AMI, GPU taint, pool labels, node
 * updates without a surge, node auto repair, and with EFA a cluster placement group in one zone.
 * Every path uses a launch template of our own (see ./launchTemplate.ts), which carries IMDSv2 with
 * hop limit 1, the encrypted root volume, the EFA interfaces, the placement group or the capacity
 * reservation, and the nodeadm RAID0 config. No access entry is made: EKS creates the EC2_LINUX
 * entry of a managed node group's role itself (pulumi-eks 4.3.0's ManagedNodeGroup, used before,
 * made none either with instanceRoles and API authentication).
 */
export class GpuNodeGroup extends pulumi.ComponentResource {
    public readonly nodeGroup: aws.eks.NodeGroup;
    public readonly nodeGroupName: pulumi.Output<string>;

    constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:cluster:GpuNodeGroup", name, {}, opts);
        const nodeGroupName = `${args.clusterName}-gpu`;
        const labels: Record<string, string> = { [NODE_POOL_LABEL]: GPU_POOL };
        if (args.efa) {
            labels[EFA_LABEL] = "true";
        }
        const template = this.launchTemplate(name, args);
        this.nodeGroup = new aws.eks.NodeGroup(
            name,
            {
                // An input of the cluster: the group is created after it and deleted before it.
                clusterName: args.cluster.eksCluster.name,
                nodeGroupName,
                nodeRoleArn: args.nodeRole.arn,
                ...gpuAmiPin(args.kubernetesVersion, args.amiRelease),
                capacityType: args.capacityType ?? DEFAULT_CAPACITY_TYPE,
                // With a reservation the template names the instance type (it must match the reservation).
                instanceTypes: args.capacityReservationId ? undefined : [args.instanceType],
                // minSize = desiredSize: the group never scales in under running workers.
                scalingConfig: { minSize: args.nodeCount, desiredSize: args.nodeCount, maxSize: Math.max(args.nodeCount, 1) },
                labels,
                taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NO_SCHEDULE" }],
                subnetIds: args.subnetIds,
                launchTemplate: template,
                updateConfig: NO_SURGE_UPDATE_CONFIG,
                nodeRepairConfig: GPU_NODE_REPAIR_CONFIG,
                tags: { [SPARE_GPU_NODES_TAG]: String(args.spareNodes ?? DEFAULT_SPARE_NODES) },
            },
            {
                parent: this,
                // Its URN while pulumi-eks's ManagedNodeGroup component (same name) was its parent.
                aliases: [{ parent: pulumi.createUrn(name, "eks:index:ManagedNodeGroup", this) }],
                // The name is fixed: a replacement must delete the old group before it creates the new one.
                deleteBeforeReplace: true,
            },
        );
        this.nodeGroupName = pulumi.output(nodeGroupName);
        this.registerOutputs({ nodeGroupName: this.nodeGroupName });
    }

    /**
     * The group's launch template. With a reservation it targets it (a Capacity Block also sets
     * its market type) and has no placement group of our own: the reservation fixes placement
     * (Capacity Blocks are co-located in UltraClusters; an ODCR made in a cluster placement group
     * only matches launches into that group), and a new group would not match it. Without one,
     * EFA nodes get a cluster placement group, as pulumi-eks's enableEfaSupport would make.
     */
    private launchTemplate(name: string, args: GpuNodeGroupArgs): { id: pulumi.Output<string>; version: pulumi.Output<string> } {
        const parent = { parent: this };
        const reserved = args.capacityReservationId !== undefined;
        const placementGroup =
            args.efa && !reserved ? new aws.ec2.PlacementGroup(`${name}-placement`, { strategy: "cluster" }, parent) : undefined;
        const interfaces = args.efa
            ? [...Array(args.efaInterfaces).keys()].map((card) => ({
                  networkCardIndex: card,
                  deviceIndex: card === 0 ? 0 : 1,
                  interfaceType: card === 0 ? "efa" : "efa-only",
                  // EFA traffic must be allowed to and from the group itself, which the primary SG does.
                  securityGroups: [args.clusterSecurityGroupId],
                  deleteOnTermination: "true",
              }))
            : undefined;
        const template = new aws.ec2.LaunchTemplate(
            name,
            {
                instanceType: reserved ? args.instanceType : undefined,
                capacityReservationSpecification: reserved
                    ? { capacityReservationTarget: { capacityReservationId: args.capacityReservationId } }
                    : undefined,
                instanceMarketOptions: reserved && args.capacityType === "CAPACITY_BLOCK" ? { marketType: "capacity-block" } : undefined,
                // The zone follows from the subnets (those of availabilityZone).
                placement: placementGroup ? { groupName: placementGroup.name } : undefined,
                metadataOptions: NODE_METADATA_OPTIONS,
                blockDeviceMappings: encryptedRootVolume(args.diskSizeGiB ?? GPU_NODE_DISK_GIB),
                networkInterfaces: interfaces,
                userData: args.nvmeRaid0 ? Buffer.from(nodeadmUserData(NVME_RAID0_NODE_CONFIG)).toString("base64") : undefined,
                tagSpecifications: [{ resourceType: "instance", tags: { Name: `${args.clusterName}-gpu` } }],
            },
            parent,
        );
        return { id: template.id, version: template.latestVersion.apply((v) => String(v)) };
    }
}

/** AL2023 user data: a MIME multipart document that EKS merges with its own NodeConfig. */
export function nodeadmUserData(nodeConfig: string): string {
    const boundary = "PD-SERVING-NODEADM";
    return [
        "MIME-Version: 1.0",
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        "",
        `--${boundary}`,
        "Content-Type: application/node.eks.aws",
        "",
        nodeConfig,
        `--${boundary}--`,
        "",
    ].join("\n");
}
