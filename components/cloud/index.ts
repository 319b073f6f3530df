/**
 * The cloud layer: VPC (or an existing one), EKS cluster with its system node group, the GPU
 * node group, and the node monitoring agent its auto repair listens to. A function, not a component: the resources keep the parents (and URNs) they had.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../../stacks/resolve";
import { Cluster } from "./cluster";
import { GpuNodeGroup } from "./gpuNodeGroup";
import { Network, NetworkIds } from "./network";
import { NodeMonitoringAgent } from "./nodeMonitoringAgent";

/** The slice of stack config the cloud layer reads. */
export type CloudConfig = Pick<
    StackConfig,
    | "clusterName"
    | "createVpc"
    | "vpcCidr"
    | "availabilityZones"
    | "gpuAvailabilityZone"
    | "vpcId"
    | "privateSubnetIds"
    | "publicSubnetIds"
    | "gpuSubnetIds"
    | "kubernetesVersion"
    | "gpuAmiRelease"
    | "adminRoleArns"
    | "apiPublicAccessCidrs"
    | "controlPlaneLogTypes"
    | "partition"
    | "systemInstanceType"
    | "systemNodeCount"
    | "gpuInstanceType"
    | "gpuNodeCount"
    | "spareGpuNodes"
    | "efa"
    | "gpu"
    | "gpuCapacityType"
    | "gpuCapacityReservationId"
>;

/** What the platform and serving layers build on. */
export interface Cloud {
    /** The VPC and subnets the cluster runs in. */
    readonly network: NetworkIds;
    /** The EKS cluster, its system node group and Kubernetes provider. */
    readonly cluster: Cluster;
    /** The GPU node group. */
    readonly gpuNodes: GpuNodeGroup;
    /** The node monitoring agent add-on: the node conditions the GPU group's auto repair acts on. */
    readonly nodeMonitoringAgent: NodeMonitoringAgent;
}

/** Builds the network, the cluster and the GPU node group. */
export function buildCloud(config: CloudConfig): Cloud {
    let network: NetworkIds;
    let gpuSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    if (config.createVpc) {
        const vpc = new Network("network", {
            cidrBlock: config.vpcCidr,
            availabilityZones: config.availabilityZones,
            clusterName: config.clusterName,
        });
        network = vpc;
        gpuSubnetIds = [vpc.privateSubnetIdByZone[config.gpuAvailabilityZone]];
    } else {
        network = {
            vpcId: config.vpcId,
            // The existing VPC's CIDR, read at deploy time (the offline plan shows it as known after up).
            vpcCidr: aws.ec2.getVpcOutput({ id: config.vpcId }).cidrBlock,
            privateSubnetIds: config.privateSubnetIds,
            publicSubnetIds: config.publicSubnetIds,
        };
        // Without gpuSubnetIds (no EFA, no reservation: validation requires them otherwise) the
        // GPU nodes may use every private subnet.
        gpuSubnetIds = config.gpuSubnetIds.length > 0 ? config.gpuSubnetIds : config.privateSubnetIds;
    }
    const cluster = new Cluster("cluster", {
        clusterName: config.clusterName,
        kubernetesVersion: config.kubernetesVersion,
        network,
        adminRoleArns: config.adminRoleArns,
        apiPublicAccessCidrs: config.apiPublicAccessCidrs,
        controlPlaneLogTypes: config.controlPlaneLogTypes,
        partition: config.partition,
        systemInstanceType: config.systemInstanceType,
        systemNodeCount: config.systemNodeCount,
    });
    const gpuNodes = new GpuNodeGroup(
        "gpu-nodes",
        {
            cluster: cluster.eksCluster,
            clusterName: config.clusterName,
            nodeRole: cluster.nodeRole,
            instanceType: config.gpuInstanceType,
            nodeCount: config.gpuNodeCount,
            spareNodes: config.spareGpuNodes,
            efa: config.efa,
            availabilityZone: config.gpuAvailabilityZone,
            subnetIds: gpuSubnetIds,
            nvmeRaid0: config.gpu.nvmeInstanceStore,
            capacityType: config.gpuCapacityType,
            capacityReservationId: config.gpuCapacityReservationId !== "" ? config.gpuCapacityReservationId : undefined,
            efaInterfaces: config.gpu.maxEfaDevices,
            clusterSecurityGroupId: cluster.primarySecurityGroupId,
            kubernetesVersion: config.kubernetesVersion,
            amiRelease: config.gpuAmiRelease,
        },
        { dependsOn: [cluster] },
    );
    // Its DaemonSet needs nodes to become ACTIVE; EKS creates the add-on after the system nodes.
    const nodeMonitoringAgent = new NodeMonitoringAgent(
        "node-monitoring-agent",
        { clusterName: cluster.eksCluster.eksCluster.name },
        { dependsOn: [cluster.systemNodeGroup] },
    );
    return { network, cluster, gpuNodes, nodeMonitoringAgent };
}
