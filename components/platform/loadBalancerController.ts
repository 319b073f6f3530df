import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart, pinnedRelease } from "../k8s/helm";
import { serviceAccountRole } from "../cloud/irsa";
import { loadBalancerControllerPolicy } from "./loadBalancerControllerPolicy";
import { Partition } from "../../stacks/partition";
import { restrictedContainerSecurity } from "../k8s/security";
import { NODE_POOL_LABEL, SYSTEM_POOL } from "../k8s/labels";

/** Controller replicas (leader election; the second takes over webhooks at once). */
const DEFAULT_CONTROLLER_REPLICAS = 2;

/** aws/eks-charts stable/aws-load-balancer-controller 3.5.0 (app v3.5.0). */
export const LOAD_BALANCER_CONTROLLER_CHART: PinnedChart = {
    chart: "aws-load-balancer-controller",
    version: "3.5.0",
    repo: "https://aws.github.io/eks-charts",
};

export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";
/** The controller's default NLB class; Services name it explicitly. */
export const NLB_LOAD_BALANCER_CLASS = "service.k8s.aws/nlb";

/** Options of the AWS Load Balancer Controller. */
export interface LoadBalancerControllerArgs {
    /** EKS cluster name the controller manages load balancers for. */
    readonly clusterName: string;
    /** AWS region of the cluster. */
    readonly region: string;
    /** The region's AWS partition, for the policy's resource ARNs. */
    readonly partition: Partition;
    /** VPC of the cluster (the controller does not have to look it up through IMDS). */
    readonly vpcId: pulumi.Input<string>;
    /** ARN of the cluster's OIDC provider, for IRSA. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL of the cluster's OIDC provider, for IRSA. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** @default 2 */
    readonly replicas?: number;
}

/**
 * The AWS Load Balancer Controller on the system nodes, with its IAM through IRSA. Services of
 * type LoadBalancer depend on this component so `pulumi destroy` deletes them (and their NLBs)
 * while the controller still runs.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:LoadBalancerController", name, {}, opts);
        const parent = { parent: this };
        const namespace = "kube-system";
        const policy = new aws.iam.Policy(name, { policy: JSON.stringify(loadBalancerControllerPolicy(args.partition)) }, parent);
        const role = serviceAccountRole(
            name,
            {
                oidcProviderArn: args.oidcProviderArn,
                oidcIssuer: args.oidcIssuer,
                namespace,
                serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
                policyArns: [policy.arn],
            },
            parent,
        );

        this.release = pinnedRelease(
            name,
            LOAD_BALANCER_CONTROLLER_CHART,
            {
                releaseName: "aws-load-balancer-controller",
                namespace,
                timeoutSeconds: 600,
                values: {
                    clusterName: args.clusterName,
                    // Given explicitly so the controller never needs IMDS (IMDSv2 hop limit 1).
                    region: args.region,
                    vpcId: args.vpcId,
                    replicaCount: args.replicas ?? DEFAULT_CONTROLLER_REPLICAS,
                    serviceAccount: {
                        create: true,
                        name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
                        annotations: { "eks.amazonaws.com/role-arn": role.arn },
                    },
                    nodeSelector: { [NODE_POOL_LABEL]: SYSTEM_POOL },
                    // Restricted Pod Security: the chart's defaults (values.yaml @v3.5.0) plus the
                    // RuntimeDefault seccomp profile and every capability dropped.
                    podSecurityContext: { fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    securityContext: restrictedContainerSecurity(),
                    podDisruptionBudget: { maxUnavailable: 1 },
                    // The mutating webhook intercepts every Service CREATE and fails closed while the
                    // controller is down; our Services set loadBalancerClass themselves.
                    enableServiceMutatorWebhook: false,
                },
            },
            { parent: this, dependsOn: [role] },
        );
        this.registerOutputs({});
    }
}
