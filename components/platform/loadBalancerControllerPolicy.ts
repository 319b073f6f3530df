/**
 * IAM permissions of the AWS Load Balancer Controller v3.5.0, following the statements of
 * kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json at tag v3.5.0
 * (16 statements; unchanged since v3.4.3). Written out here as data so the role does not
 * depend on a download at deploy time. Upstream writes `arn:aws:`; resource ARNs here are built in
 * the stack's partition (upstream ships docs/install/iam_policy_cn.json and iam_policy_us-gov.json for
 * the same reason).
 */
import { Partition } from "../../stacks/partition";

const CLUSTER_TAG = "elbv2.k8s.aws/cluster";
const requestTagPresent = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "false" } };
const resourceTagPresent = { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } };
const untaggedRequestOnTaggedResource = {
    Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true", [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" },
};

const elb = (...actions: string[]) => actions.map((a) => `elasticloadbalancing:${a}`);
const ec2 = (...actions: string[]) => actions.map((a) => `ec2:${a}`);

/** The controller's IAM policy document with resource ARNs in `partition`. */
export function loadBalancerControllerPolicy(partition: Partition) {
    const arn = (rest: string) => `arn:${partition}:${rest}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["iam:CreateServiceLinkedRole"],
                Resource: "*",
                Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
            },
            {
                Effect: "Allow",
                Resource: "*",
                Action: [
                    ...ec2(
                        "DescribeAccountAttributes",
                        "DescribeAddresses",
                        "DescribeAvailabilityZones",
                        "DescribeInternetGateways",
                        "DescribeVpcs",
                        "DescribeVpcPeeringConnections",
                        "DescribeSubnets",
                        "DescribeSecurityGroups",
                        "DescribeInstances",
                        "DescribeNetworkInterfaces",
                        "DescribeTags",
                        "DescribeIpamPools",
                        "DescribeRouteTables",
                        "DescribeCoipPools",
                        "GetCoipPoolUsage",
                        "GetSecurityGroupsForVpc",
                    ),
                    ...elb(
                        "DescribeLoadBalancers",
                        "DescribeLoadBalancerAttributes",
                        "DescribeListeners",
                        "DescribeListenerCertificates",
                        "DescribeSSLPolicies",
                        "DescribeRules",
                        "DescribeTargetGroups",
                        "DescribeTargetGroupAttributes",
                        "DescribeTargetHealth",
                        "DescribeTags",
                        "DescribeTrustStores",
                        "DescribeListenerAttributes",
                        "DescribeCapacityReservation",
                    ),
                ],
            },
            {
                Effect: "Allow",
                Resource: "*",
                Action: [
                    "cognito-idp:DescribeUserPoolClient",
                    "acm:ListCertificates",
                    "acm:DescribeCertificate",
                    "iam:ListServerCertificates",
                    "iam:GetServerCertificate",
                    "waf-regional:GetWebACL",
                    "waf-regional:GetWebACLForResource",
                    "waf-regional:AssociateWebACL",
                    "waf-regional:DisassociateWebACL",
                    "wafv2:GetWebACL",
                    "wafv2:GetWebACLForResource",
                    "wafv2:AssociateWebACL",
                    "wafv2:DisassociateWebACL",
                    "shield:GetSubscriptionState",
                    "shield:DescribeProtection",
                    "shield:CreateProtection",
                    "shield:DeleteProtection",
                ],
            },
            { Effect: "Allow", Action: ec2("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"), Resource: "*" },
            { Effect: "Allow", Action: ec2("CreateSecurityGroup"), Resource: "*" },
            {
                Effect: "Allow",
                Action: ec2("CreateTags"),
                Resource: arn("ec2:*:*:security-group/*"),
                Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...requestTagPresent },
            },
            {
                Effect: "Allow",
                Action: ec2("CreateTags", "DeleteTags"),
                Resource: arn("ec2:*:*:security-group/*"),
                Condition: untaggedRequestOnTaggedResource,
            },
            {
                Effect: "Allow",
                Action: ec2("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "DeleteSecurityGroup"),
                Resource: "*",
                Condition: resourceTagPresent,
            },
            { Effect: "Allow", Action: elb("CreateLoadBalancer", "CreateTargetGroup"), Resource: "*", Condition: requestTagPresent },
            { Effect: "Allow", Action: elb("CreateListener", "DeleteListener", "CreateRule", "DeleteRule"), Resource: "*" },
            {
                Effect: "Allow",
                Action: elb("AddTags", "RemoveTags"),
                Resource: [
                    arn("elasticloadbalancing:*:*:targetgroup/*/*"),
                    arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
                    arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
                ],
                Condition: untaggedRequestOnTaggedResource,
            },
            {
                Effect: "Allow",
                Action: elb("AddTags", "RemoveTags"),
                Resource: [
                    arn("elasticloadbalancing:*:*:listener/net/*/*/*"),
                    arn("elasticloadbalancing:*:*:listener/app/*/*/*"),
                    arn("elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
                    arn("elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
                ],
            },
            {
                Effect: "Allow",
                Resource: "*",
                Condition: resourceTagPresent,
                Action: elb(
                    "ModifyLoadBalancerAttributes",
                    "SetIpAddressType",
                    "SetSecurityGroups",
                    "SetSubnets",
                    "DeleteLoadBalancer",
                    "ModifyTargetGroup",
                    "ModifyTargetGroupAttributes",
                    "DeleteTargetGroup",
                    "ModifyListenerAttributes",
                    "ModifyCapacityReservation",
                    "ModifyIpPools",
                ),
            },
            {
                Effect: "Allow",
                Action: elb("AddTags"),
                Resource: [
                    arn("elasticloadbalancing:*:*:targetgroup/*/*"),
                    arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
                    arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
                ],
                Condition: {
                    StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
                    ...requestTagPresent,
                },
            },
            {
                Effect: "Allow",
                Action: elb("RegisterTargets", "DeregisterTargets"),
                Resource: arn("elasticloadbalancing:*:*:targetgroup/*/*"),
            },
            {
                Effect: "Allow",
                Resource: "*",
                Action: elb(
                    "SetWebAcl",
                    "ModifyListener",
                    "AddListenerCertificates",
                    "RemoveListenerCertificates",
                    "ModifyRule",
                    "SetRulePriorities",
                ),
            },
        ],
    };
}
