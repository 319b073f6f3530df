/**
 * Amazon Managed Service for Prometheus: a workspace and what Prometheus needs to remote-write to
 * it, signed with SigV4 under an IRSA role of Prometheus's service account.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountRole } from "../../cloud/irsa";

/** AWS managed policy allowing aps:RemoteWrite to any workspace of the account. */
export const AMP_REMOTE_WRITE_POLICY = "arn:aws:iam::aws:policy/AmazonPrometheusRemoteWriteAccess";

/** The workspace and the service account allowed to write to it. */
export interface AmpRemoteWriteArgs {
    /** Alias of the workspace (the cluster name). */
    readonly alias: string;
    /** Region of the workspace, signed into SigV4. */
    readonly region: string;
    /** ARN of the cluster's IAM OIDC provider. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Namespace of Prometheus's service account. */
    readonly namespace: string;
    /** Prometheus's service account (the chart's prometheus.serviceAccount.name). */
    readonly serviceAccount: string;
}

/** The workspace, its writer role and Prometheus's remote-write entry. */
export interface AmpRemoteWrite {
    readonly workspace: aws.amp.Workspace;
    /** The role Prometheus's service account assumes. */
    readonly role: aws.iam.Role;
    /** One prometheusSpec.remoteWrite entry (Prometheus CRD remoteWrite[].url and .sigv4.region). */
    readonly remoteWrite: pulumi.Input<Record<string, unknown>>;
}

/** The workspace, the IRSA role and the remote-write entry. */
export function ampRemoteWrite(name: string, args: AmpRemoteWriteArgs, opts: pulumi.CustomResourceOptions): AmpRemoteWrite {
    const workspace = new aws.amp.Workspace(name, { alias: args.alias }, opts);
    const role = serviceAccountRole(
        `${name}-remote-write`,
        {
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuer: args.oidcIssuer,
            namespace: args.namespace,
            serviceAccount: args.serviceAccount,
            policyArns: [AMP_REMOTE_WRITE_POLICY],
        },
        opts,
    );
    // The remote-write URL as docs.aws.amazon.com/prometheus/latest/userguide/AMP-find-workspace-details.html
    // shows it, https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/api/v1/remote_write
    // (the workspace's prometheusEndpoint plus api/v1/remote_write); spelled from the id so the
    // offline plan shows a URL the Prometheus CRD's pattern accepts.
    const remoteWrite = {
        url: pulumi.interpolate`https://aps-workspaces.${args.region}.amazonaws.com/workspaces/${workspace.id}/api/v1/remote_write`,
        sigv4: { region: args.region },
    };
    return { workspace, role, remoteWrite };
}
