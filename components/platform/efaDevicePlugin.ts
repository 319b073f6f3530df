import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart, pinnedRelease } from "../k8s/helm";
import { GPU_TOLERATION } from "../k8s/pod";
import { EFA_LABEL, GPU_POOL, NODE_POOL_LABEL, KUBE_SYSTEM } from "../k8s/labels";

/**
 * aws/eks-charts stable/aws-efa-k8s-device-plugin, chart v0.5.30 (app v0.5.20; the version
 * carries a leading "v"). values.yaml has `tolerations` (default empty) and `nodeSelector`;
 * the template adds its own instance-type affinity (p4d, p5, p5en, g6e.8xlarge and larger).
 */
export const EFA_DEVICE_PLUGIN_CHART: PinnedChart = {
    chart: "aws-efa-k8s-device-plugin",
    version: "v0.5.30",
    repo: "https://aws.github.io/eks-charts",
};

/** Options of the EFA device plugin (none yet: chart, tolerations and selectors are fixed). */
export interface EfaDevicePluginArgs {
    /** @default "kube-system" */
    readonly namespace?: string;
}

/** Advertises `vpc.amazonaws.com/efa` on EFA-wired GPU nodes (AL2023 AMIs lack the plugin). */
export class EfaDevicePlugin extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: EfaDevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:EfaDevicePlugin", name, {}, opts);
        this.release = pinnedRelease(
            name,
            EFA_DEVICE_PLUGIN_CHART,
            {
                releaseName: "aws-efa-k8s-device-plugin",
                namespace: args.namespace ?? KUBE_SYSTEM,
                timeoutSeconds: 600,
                values: {
                    nodeSelector: { [NODE_POOL_LABEL]: GPU_POOL, [EFA_LABEL]: "true" },
                    // The chart's default is none: without this the plugin never lands on tainted GPU nodes.
                    tolerations: [GPU_TOLERATION],
                },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
