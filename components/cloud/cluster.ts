import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkIds } from "./network";
import { NODE_POOL_LABEL, SYSTEM_POOL } from "../k8s/labels";

/** @default 50 GiB root volume for system nodes: they run small images only. */
export const SYSTEM_NODE_DISK_GIB = 50;

const NODE_POLICIES = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
];

/** Options of the EKS cluster and its system node group. */
export interface ClusterArgs {
    /** EKS cluster name, fixed so it is known before `pulumi up`. */
    readonly clusterName: string;
    /** Pinned Kubernetes version, e.g. "1.34". */
    readonly kubernetesVersion: string;
    /** VPC and subnets the cluster and its nodes use. */
    readonly network: NetworkIds;
    /** IAM role/user ARNs that get cluster-admin through access entries. */
    readonly adminRoleArns: string[];
    /** CIDRs allowed to reach the public API endpoint. */
    readonly apiPublicAccessCidrs: string[];
    /** EC2 instance type of the system (CPU) node group. */
    readonly systemInstanceType: string;
    /** Nodes of the system node group (fixed size). */
    readonly systemNodeCount: number;
}

/**
 * An EKS cluster with API-mode access entries, an OIDC provider for IRSA, VPC CNI that enforces
 * NetworkPolicies, no default node group, and a managed system node group (AL2023, IMDSv2) for
 * controllers, routers, etcd and NATS. GPU node groups attach with GpuNodeGroup.
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly eksCluster: eks.Cluster;
    public readonly clusterName: pulumi.Output<string>;
    /** Role shared by every managed node group of the cluster. */
    public readonly nodeRole: aws.iam.Role;
    public readonly systemNodeGroup: eks.ManagedNodeGroup;
    public readonly systemNodeGroupName: pulumi.Output<string>;
    /** kubeconfig as a Pulumi secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** The EKS-created primary security group (all traffic within itself), for custom launch templates. */
    public readonly primarySecurityGroupId: pulumi.Output<string>;
    /** OIDC issuer without `https://`, for IRSA trust policies. */
    public readonly oidcIssuer: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:cluster:Cluster", name, {}, opts);
        const parent = { parent: this };

        this.nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }),
            },
            parent,
        );
        NODE_POLICIES.forEach((policyArn) => {
            const policyName = policyArn.split("/").pop()!;
            new aws.iam.RolePolicyAttachment(`${name}-node-${policyName}`, { role: this.nodeRole.name, policyArn }, parent);
        });

        const accessEntries: Record<string, eks.types.input.AccessEntryArgs> = {};
        args.adminRoleArns.forEach((principalArn, i) => {
            accessEntries[`admin-${i}`] = {
                principalArn,
                accessPolicies: {
                    clusterAdmin: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            };
        });

        this.eksCluster = new eks.Cluster(
            name,
            {
                name: args.clusterName,
                version: args.kubernetesVersion,
                vpcId: args.network.vpcId,
                privateSubnetIds: args.network.privateSubnetIds,
                publicSubnetIds: args.network.publicSubnetIds,
                nodeAssociatePublicIpAddress: false,
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: args.apiPublicAccessCidrs,
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries,
                createOidcProvider: true,
                skipDefaultNodeGroup: true,
                instanceRoles: [this.nodeRole],
                // NetworkPolicies are silently ignored unless the VPC CNI runs its policy agent.
                vpcCniOptions: { enableNetworkPolicy: true },
            },
            parent,
        );

        this.clusterName = pulumi.output(args.clusterName);
        this.kubeconfig = pulumi.secret(this.eksCluster.kubeconfigJson);
        this.oidcProviderArn = this.eksCluster.oidcProviderArn;
        this.oidcIssuer = this.eksCluster.oidcIssuer;
        this.primarySecurityGroupId = this.eksCluster.eksCluster.vpcConfig.clusterSecurityGroupId;
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                enableServerSideApply: true,
            },
            parent,
        );

        this.systemNodeGroup = new eks.ManagedNodeGroup(
            `${name}-system`,
            {
                cluster: this.eksCluster,
                nodeGroupName: `${args.clusterName}-system`,
                nodeRole: this.nodeRole,
                amiType: "AL2023_x86_64_STANDARD",
                instanceTypes: [args.systemInstanceType],
                capacityType: "ON_DEMAND",
                scalingConfig: { minSize: args.systemNodeCount, desiredSize: args.systemNodeCount, maxSize: args.systemNodeCount + 1 },
                diskSize: SYSTEM_NODE_DISK_GIB,
                enableIMDSv2: true,
                labels: { [NODE_POOL_LABEL]: SYSTEM_POOL },
            },
            parent,
        );
        this.systemNodeGroupName = pulumi.output(`${args.clusterName}-system`);

        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            systemNodeGroupName: this.systemNodeGroupName,
        });
    }
}
