import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountRole } from "../../cloud/irsa";

/** Arguments of ResultsBucket. */
export interface ResultsBucketArgs {
    /** ARN of the cluster's IAM OIDC provider. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Namespace of the ServiceAccount that uploads results. */
    readonly namespace: string;
    /** The ServiceAccount that may write to the bucket (IRSA). */
    readonly serviceAccount: string;
}

/** Bucket names get this prefix and a random suffix (S3 names are global). */
export const RESULTS_BUCKET_PREFIX = "pd-serving-proof-";

/**
 * A private, encrypted S3 bucket for benchmark and accuracy results, and the IRSA role that lets
 * one ServiceAccount put objects into it (s3:PutObject on this bucket only; users fetch with
 * their own credentials). The bucket is emptied on `pulumi destroy`: fetch results first.
 */
export class ResultsBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ResultsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:ResultsBucket", name, {}, opts);
        const parent = { parent: this };
        const bucket = new aws.s3.Bucket(name, { bucketPrefix: RESULTS_BUCKET_PREFIX, forceDestroy: true }, parent);
        new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            parent,
        );
        new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            parent,
        );
        const role = serviceAccountRole(
            `${name}-writer`,
            {
                oidcProviderArn: args.oidcProviderArn,
                oidcIssuer: args.oidcIssuer,
                namespace: args.namespace,
                serviceAccount: args.serviceAccount,
            },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-put`,
            {
                role: role.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: pulumi.interpolate`${bucket.arn}/*` }],
                }),
            },
            parent,
        );
        this.bucketName = bucket.bucket;
        this.roleArn = role.arn;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
