/**
 * What every node's launch template carries, whichever group builds it: IMDSv2 with a hop limit
 * of 1 and an encrypted gp3 root volume. pulumi-eks 4.3.0 cannot give either: the launch template
 * it builds for `enableIMDSv2`/`enableEfaSupport` hard-codes `httpPutResponseHopLimit: 2` and sets
 * only `volumeSize` on the root volume (nodejs/eks/nodes/nodegroup.ts, createMNGCustomLaunchTemplate,
 * tag v4.3.0), and without a template EKS's own default leaves the volume to the account's default
 * encryption setting. So every node group here passes a launch template of its own.
 */
import * as aws from "@pulumi/aws";

/** The AL2023 root device (pulumi-eks uses the same for AL2/AL2023). */
export const ROOT_DEVICE_NAME = "/dev/xvda";

/**
 * IMDSv2 only, with a hop limit of 1: a pod's request crosses one more hop (its network
 * namespace) and never gets a token, so no pod can read the node role's credentials. Host-network
 * pods (aws-node, kube-proxy) keep access; the pods that need AWS use IRSA, and the load balancer
 * controller is given its region and VPC id instead of reading them from IMDS.
 * (EKS Best Practices Guide, Identity and Access Management: "Restrict access to the instance
 * profile assigned to the worker node".)
 */
export const NODE_METADATA_OPTIONS: aws.types.input.ec2.LaunchTemplateMetadataOptions = {
    httpEndpoint: "enabled",
    httpTokens: "required",
    httpPutResponseHopLimit: 1,
};

/** An encrypted gp3 root volume (the account's aws/ebs key), deleted with the instance. */
export function encryptedRootVolume(sizeGiB: number): aws.types.input.ec2.LaunchTemplateBlockDeviceMapping[] {
    return [
        {
            deviceName: ROOT_DEVICE_NAME,
            ebs: { volumeSize: sizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        },
    ];
}
