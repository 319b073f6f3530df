import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountRole } from "../cloud/irsa";
import { NODE_POOL_LABEL, SYSTEM_POOL } from "../k8s/labels";
import { managedPolicyArn, Partition } from "../../stacks/partition";

/** The default StorageClass this component creates. */
export const GP3_STORAGE_CLASS = "gp3";
const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

/** Options of the EBS CSI driver and the default gp3 StorageClass. */
export interface StorageArgs {
    /** EKS cluster name the add-on is installed on. */
    readonly clusterName: string;
    /** The region's AWS partition, for the managed policy ARN. */
    readonly partition: Partition;
    /** ARN of the cluster's OIDC provider, for the driver's IRSA role. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL of the cluster's OIDC provider, for the driver's IRSA role. */
    readonly oidcIssuer: pulumi.Input<string>;
}

/**
 * Block storage for etcd and NATS JetStream: the EBS CSI driver as an EKS add-on (its
 * controller on system nodes, IAM through IRSA) and an encrypted gp3 StorageClass, the
 * cluster default, binding volumes only when a pod is scheduled (WaitForFirstConsumer) so each
 * volume is created in its pod's zone. EKS clusters since 1.30 have no default class at all.
 */
export class Storage extends pulumi.ComponentResource {
    public readonly storageClassName = GP3_STORAGE_CLASS;
    public readonly addon: aws.eks.Addon;
    public readonly storageClass: k8s.storage.v1.StorageClass;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:Storage", name, {}, opts);
        const role = serviceAccountRole(
            `${name}-ebs-csi`,
            {
                oidcProviderArn: args.oidcProviderArn,
                oidcIssuer: args.oidcIssuer,
                namespace: "kube-system",
                serviceAccount: EBS_CSI_SERVICE_ACCOUNT,
                policyArns: [managedPolicyArn(args.partition, "service-role/AmazonEBSCSIDriverPolicy")],
            },
            { parent: this },
        );

        // No addonVersion: EKS installs the default version it has tested with the cluster's
        // Kubernetes version, and the pinned Kubernetes version keeps that fixed.
        this.addon = new aws.eks.Addon(
            `${name}-ebs-csi`,
            {
                clusterName: args.clusterName,
                addonName: "aws-ebs-csi-driver",
                serviceAccountRoleArn: role.arn,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                configurationValues: JSON.stringify({
                    controller: { nodeSelector: { [NODE_POOL_LABEL]: SYSTEM_POOL } },
                }),
            },
            { parent: this },
        );

        this.storageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: {
                    name: GP3_STORAGE_CLASS,
                    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
                },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: "Delete",
            },
            { parent: this, dependsOn: [this.addon] },
        );
        this.registerOutputs({ storageClassName: this.storageClassName });
    }
}
