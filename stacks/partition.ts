/**
 * AWS partitions this program supports and how a region maps to one. ARNs (managed policies, EKS
 * access policies, IAM resources) and service principals differ per partition, so they are built
 * from the region's partition, never written as `arn:aws:`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html ("Partition")
 */
export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"] as const;
export type Partition = (typeof PARTITIONS)[number];

/** `cn-north-1` -> aws-cn, `us-gov-west-1` -> aws-us-gov, any other commercial region -> aws. */
export function partitionOfRegion(region: string): Partition {
    if (region.startsWith("cn-")) {
        return "aws-cn";
    }
    if (region.startsWith("us-gov-")) {
        return "aws-us-gov";
    }
    return "aws";
}

/** The ARN of an AWS managed IAM policy: `service-role/AmazonEBSCSIDriverPolicy` etc. */
export function managedPolicyArn(partition: Partition, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/** The ARN of an EKS access policy (cluster-access-policy/<name>). */
export function eksAccessPolicyArn(partition: Partition, name: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/${name}`;
}
