import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An IAM role a Kubernetes service account assumes through the cluster's OIDC provider (IRSA). */
export interface ServiceAccountRoleArgs {
    /** ARN of the cluster's IAM OIDC provider. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Namespace of the service account. */
    readonly namespace: string;
    /** Name of the service account. */
    readonly serviceAccount: string;
    /** Managed policies to attach. */
    readonly policyArns?: pulumi.Input<string>[];
}

/**
 * An IAM role that exactly one Kubernetes service account can assume through the cluster's
 * OIDC provider (IRSA).
 */
export function serviceAccountRole(name: string, args: ServiceAccountRoleArgs, opts: pulumi.CustomResourceOptions): aws.iam.Role {
    const assumeRolePolicy = pulumi.all([args.oidcProviderArn, args.oidcIssuer]).apply(([providerArn, issuer]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: providerArn },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                            [`${issuer}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ],
        }),
    );
    const role = new aws.iam.Role(name, { assumeRolePolicy }, opts);
    (args.policyArns ?? []).forEach((policyArn, i) => {
        new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, opts);
    });
    return role;
}
