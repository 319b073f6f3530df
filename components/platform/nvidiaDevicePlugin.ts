import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart, pinnedRelease } from "../k8s/helm";
import { GPU_TOLERATION } from "../k8s/pod";
import { GPU_POOL, NODE_POOL_LABEL, KUBE_SYSTEM } from "../k8s/labels";

/**
 * NVIDIA/k8s-device-plugin chart v0.20.0 (tag v0.20.0, values.yaml keys `tolerations`,
 * `nodeSelector`, `affinity`, `priorityClassName`, `gfd.enabled`). 0.19.0-0.19.2 turned on
 * MOFED/GDRCopy by default and conflict with the EFA plugin; 0.20.0 does not.
 */
export const NVIDIA_DEVICE_PLUGIN_CHART: PinnedChart = {
    chart: "nvidia-device-plugin",
    version: "0.20.0",
    repo: "https://nvidia.github.io/k8s-device-plugin",
};

/**
 * Replaces the chart's default node affinity (values.yaml @v0.20.0: three ORed terms on
 * feature.node.kubernetes.io/pci-10de.present, .../cpu-model.vendor_id and nvidia.com/gpu.present,
 * labels set by NFD, which we do not run, or by nodeadm only from kubelet 1.35 on). Helm merges
 * maps but replaces lists, so `affinity: {}` kept those terms; a nodeSelectorTerms list of our
 * own replaces them, and the plugin schedules by our pool label on every Kubernetes version.
 */
export function gpuPoolAffinity(): k8s.types.input.core.v1.Affinity {
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_POOL_LABEL, operator: "In", values: [GPU_POOL] }] }],
            },
        },
    };
}

/** Where the device plugin runs. */
export interface NvidiaDevicePluginArgs {
    /** @default "kube-system" (the chart refuses the default namespace) */
    readonly namespace?: string;
}

/**
 * Advertises `nvidia.com/gpu` on GPU nodes. AL2023 NVIDIA AMIs ship the driver and container
 * toolkit but not this plugin. Scheduled only on GPU nodes, tolerating their taint.
 */
export class NvidiaDevicePlugin extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: NvidiaDevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:NvidiaDevicePlugin", name, {}, opts);
        this.release = pinnedRelease(
            name,
            NVIDIA_DEVICE_PLUGIN_CHART,
            {
                releaseName: "nvidia-device-plugin",
                namespace: args.namespace ?? KUBE_SYSTEM,
                timeoutSeconds: 600,
                values: {
                    nodeSelector: { [NODE_POOL_LABEL]: GPU_POOL },
                    affinity: gpuPoolAffinity(),
                    tolerations: [GPU_TOLERATION, { key: "CriticalAddonsOnly", operator: "Exists" }],
                    priorityClassName: "system-node-critical",
                    gfd: { enabled: false },
                },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
