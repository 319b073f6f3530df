import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { GPU_POOL, NODE_POOL_LABEL } from "./cluster";

/** The taint that keeps everything but GPU workloads (and device plugins) off GPU nodes. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;
/** Node label that says the node's EFA devices are wired (workers on EFA select it). */
export const EFA_LABEL = "pd-serving/efa";

/** @default 200 GiB root volume: room for two ~12 GB inference images on instances without NVMe. */
export const GPU_NODE_DISK_GIB = 200;

/** nodeadm config that assembles the instance-store NVMe as RAID0 for containerd and kubelet. */
export const NVME_RAID0_NODE_CONFIG = `apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  instance:
    localStorage:
      strategy: RAID0
`;

export interface GpuNodeGroupArgs {
    cluster: eks.Cluster;
    clusterName: string;
    nodeRole: aws.iam.Role;
    instanceType: string;
    /** Fixed size of the group: GPU capacity is planned, not autoscaled. */
    nodeCount: number;
    /** Puts the nodes in a cluster placement group with one EFA interface per network card. */
    efa: boolean;
    /** The one zone of the nodes (and of the placement group). */
    availabilityZone: string;
    /** Subnets of the nodes; with EFA the group keeps those in availabilityZone. @default the cluster's private subnets */
    subnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    /** Assemble instance-store NVMe as RAID0 (the instance must have NVMe instance store). */
    nvmeRaid0: boolean;
    /** @default GPU_NODE_DISK_GIB */
    diskSizeGiB?: number;
}

/**
 * The GPU managed node group: AL2023 NVIDIA AMI, GPU taint, pool labels, IMDSv2, and with EFA a
 * cluster placement group in one zone.
 */
export class GpuNodeGroup extends pulumi.ComponentResource {
    public readonly nodeGroup: eks.ManagedNodeGroup;
    public readonly nodeGroupName: pulumi.Output<string>;

    constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:cluster:GpuNodeGroup", name, {}, opts);
        const nodeGroupName = `${args.clusterName}-gpu`;
        const labels: Record<string, string> = { [NODE_POOL_LABEL]: GPU_POOL };
        if (args.efa) {
            labels[EFA_LABEL] = "true";
        }
        this.nodeGroup = new eks.ManagedNodeGroup(name, {
            cluster: args.cluster,
            nodeGroupName,
            nodeRole: args.nodeRole,
            amiType: "AL2023_x86_64_NVIDIA",
            instanceTypes: [args.instanceType],
            capacityType: "ON_DEMAND",
            // minSize = desiredSize: the group never scales in under running workers.
            scalingConfig: { minSize: args.nodeCount, desiredSize: args.nodeCount, maxSize: Math.max(args.nodeCount, 1) },
            diskSize: args.diskSizeGiB ?? GPU_NODE_DISK_GIB,
            enableIMDSv2: true,
            labels,
            taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NO_SCHEDULE" }],
            subnetIds: args.subnetIds,
            enableEfaSupport: args.efa,
            placementGroupAvailabilityZone: args.availabilityZone,
            nodeadmExtraOptions: args.nvmeRaid0 ? [{ contentType: "application/node.eks.aws", content: NVME_RAID0_NODE_CONFIG }] : undefined,
        }, { parent: this });
        this.nodeGroupName = pulumi.output(nodeGroupName);
        this.registerOutputs({ nodeGroupName: this.nodeGroupName });
    }
}
