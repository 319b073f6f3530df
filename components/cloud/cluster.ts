import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { eksAccessPolicyArn, managedPolicyArn, Partition } from "../../stacks/partition";
import { NetworkIds } from "./network";
import { encryptedRootVolume, NODE_METADATA_OPTIONS } from "./launchTemplate";
import { NODE_POOL_LABEL, SYSTEM_POOL } from "../k8s/labels";

/** @default 50 GiB root volume for system nodes: they run small images only. */
export const SYSTEM_NODE_DISK_GIB = 50;

/** AWS managed policies of the shared node role. */
const NODE_POLICIES = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
];

/** What EKS needs on the secrets key (terraform-aws-eks grants its cluster role the same set). */
const CLUSTER_KMS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey", "kms:CreateGrant"];

/** Options of the EKS cluster and its system node group. */
export interface ClusterArgs {
    /** EKS cluster name, fixed so it is known before `pulumi up`. */
    readonly clusterName: string;
    /** Pinned Kubernetes version, e.g. "1.34". */
    readonly kubernetesVersion: string;
    /** The VPC and subnets of the cluster. */
    readonly network: NetworkIds;
    /** The AWS partition of the stack's region: every ARN is built in it. */
    readonly partition: Partition;
    /** IAM role/user ARNs that get cluster-admin through access entries. */
    readonly adminRoleArns: string[];
    /** CIDRs allowed to reach the public API endpoint; empty: no public endpoint at all (private only). */
    readonly apiPublicAccessCidrs: string[];
    /** Control-plane log types sent to CloudWatch Logs (api, audit, authenticator, controllerManager, scheduler). */
    readonly controlPlaneLogTypes: string[];
    /** EC2 instance type of the system node group. */
    readonly systemInstanceType: string;
    /** Nodes of the system node group. */
    readonly systemNodeCount: number;
}

/**
 * An EKS cluster with API-mode access entries, an OIDC provider for IRSA, VPC CNI that enforces
 * NetworkPolicies, control-plane logging, Kubernetes secrets envelope-encrypted with a KMS key of
 * the stack, no default node group, and a managed system node group (AL2023, IMDSv2 hop limit 1,
 * encrypted root volume) for controllers, routers, etcd and NATS. GPU node groups attach with
 * GpuNodeGroup.
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly eksCluster: eks.Cluster;
    public readonly clusterName: pulumi.Output<string>;
    /** Role shared by every managed node group of the cluster. */
    public readonly nodeRole: aws.iam.Role;
    /** The KMS key (rotated yearly) that envelope-encrypts the cluster's Kubernetes secrets. */
    public readonly secretsKey: aws.kms.Key;
    public readonly systemNodeGroup: aws.eks.NodeGroup;
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

        // Service principals are the same in every partition (pulumi-eks v4.3.0 cluster.ts: "All aws
        // partitions use same service for ec2/eks"); ARNs are not.
        this.nodeRole = new aws.iam.Role(
            `${name}-node`,
            { assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }) },
            parent,
        );
        const nodePolicies = NODE_POLICIES.map(
            (policyName) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-${policyName}`,
                    { role: this.nodeRole.name, policyArn: managedPolicyArn(args.partition, policyName) },
                    parent,
                ),
        );

        this.secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `Envelope encryption of Kubernetes secrets of EKS cluster ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
            },
            parent,
        );
        // A cluster role of our own, so the key grant is in place before EKS creates the cluster.
        const clusterRole = new aws.iam.Role(
            `${name}-cluster`,
            { assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "eks.amazonaws.com" }) },
            parent,
        );
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster-AmazonEKSClusterPolicy`,
            { role: clusterRole.name, policyArn: managedPolicyArn(args.partition, "AmazonEKSClusterPolicy") },
            parent,
        );
        const keyPolicy = new aws.iam.RolePolicy(
            `${name}-cluster-secrets-key`,
            {
                role: clusterRole.name,
                policy: this.secretsKey.arn.apply((keyArn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Action: CLUSTER_KMS_ACTIONS, Resource: keyArn }],
                    }),
                ),
            },
            parent,
        );

        const accessEntries: Record<string, eks.types.input.AccessEntryArgs> = {};
        args.adminRoleArns.forEach((principalArn, i) => {
            accessEntries[`admin-${i}`] = {
                principalArn,
                accessPolicies: {
                    clusterAdmin: {
                        policyArn: eksAccessPolicyArn(args.partition, "AmazonEKSClusterAdminPolicy"),
                        accessScope: { type: "cluster" },
                    },
                },
            };
        });

        // No public CIDRs: no public endpoint. pulumi-eks rejects publicAccessCidrs then, so it is left out.
        const publicEndpoint = args.apiPublicAccessCidrs.length > 0;
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
                endpointPublicAccess: publicEndpoint,
                publicAccessCidrs: publicEndpoint ? args.apiPublicAccessCidrs : undefined,
                enabledClusterLogTypes: args.controlPlaneLogTypes,
                encryptionConfigKeyArn: this.secretsKey.arn,
                serviceRole: clusterRole,
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries,
                createOidcProvider: true,
                skipDefaultNodeGroup: true,
                instanceRoles: [this.nodeRole],
                // NetworkPolicies are silently ignored unless the VPC CNI runs its policy agent.
                vpcCniOptions: { enableNetworkPolicy: true },
            },
            { parent: this, dependsOn: [clusterPolicy, keyPolicy] },
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

        const systemTemplate = new aws.ec2.LaunchTemplate(
            `${name}-system`,
            {
                metadataOptions: NODE_METADATA_OPTIONS,
                blockDeviceMappings: encryptedRootVolume(SYSTEM_NODE_DISK_GIB),
                tagSpecifications: [{ resourceType: "instance", tags: { Name: `${args.clusterName}-system` } }],
            },
            parent,
        );
        // A managed node group of aws's own (pulumi-eks's ManagedNodeGroup adds nothing here: with
        // instanceRoles and API authentication it makes no access entry, EKS makes the node role's).
        this.systemNodeGroup = new aws.eks.NodeGroup(
            `${name}-system`,
            {
                // An input of the cluster: the group is created after it and deleted before it.
                clusterName: this.eksCluster.eksCluster.name,
                nodeGroupName: `${args.clusterName}-system`,
                nodeRoleArn: this.nodeRole.arn,
                amiType: "AL2023_x86_64_STANDARD",
                instanceTypes: [args.systemInstanceType],
                capacityType: "ON_DEMAND",
                scalingConfig: { minSize: args.systemNodeCount, desiredSize: args.systemNodeCount, maxSize: args.systemNodeCount + 1 },
                // Private subnets only: pulumi-eks 4.3.0 defaulted to the cluster's subnetIds, public ones
                // included (nodegroup.ts createManagedNodeGroup, cluster.ts clusterSubnetIds @v4.3.0),
                // where a node has no public IP and so no way out.
                subnetIds: args.network.privateSubnetIds,
                // Disk and IMDS live in the template (EKS rejects diskSize next to a launch template).
                launchTemplate: { id: systemTemplate.id, version: systemTemplate.latestVersion.apply((v) => String(v)) },
                labels: { [NODE_POOL_LABEL]: SYSTEM_POOL },
            },
            {
                parent: this,
                // Nodes join with the role's policies; destroy deletes the group before it detaches them.
                dependsOn: nodePolicies,
                // Its URN while pulumi-eks's ManagedNodeGroup component (same name) was its parent.
                aliases: [{ parent: pulumi.createUrn(`${name}-system`, "eks:index:ManagedNodeGroup", this) }],
                // The name is fixed: a replacement must delete the old group before it creates the new one.
                deleteBeforeReplace: true,
            },
        );
        this.systemNodeGroupName = pulumi.output(`${args.clusterName}-system`);

        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            systemNodeGroupName: this.systemNodeGroupName,
        });
    }
}
