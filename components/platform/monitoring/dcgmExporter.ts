/**
 * NVIDIA's DCGM exporter on every GPU node: per-GPU utilisation, memory, power, temperature and
 * XID errors, scraped through the chart's own ServiceMonitor.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DCGM_EXPORTER_REQUESTS } from "../../../stacks/catalog/daemonSets";
import { PinnedChart, pinnedRelease } from "../../k8s/helm";
import { GPU_POOL, NODE_POOL_LABEL } from "../../k8s/labels";
import { GPU_TOLERATION } from "../../k8s/pod";

/**
 * NVIDIA/dcgm-exporter tag 4.5.3-4.8.2 (691c9276, "DCGM-Exporter 4.5.3-4.8.2 (#656)"):
 * deployment/Chart.yaml `version: "4.8.2"`; the chart repository is the project's gh-pages
 * `helm-charts/index.yaml` (PR #712 adds later versions there).
 */
export const DCGM_EXPORTER_CHART: PinnedChart = {
    chart: "dcgm-exporter",
    version: "4.8.2",
    repo: "https://nvidia.github.io/dcgm-exporter/helm-charts",
};
/** deployment/values.yaml at that tag: `repository: nvcr.io/nvidia/k8s/dcgm-exporter`, `tag: 4.5.3-4.8.2-distroless`. */
export const DCGM_EXPORTER_IMAGE = { repository: "nvcr.io/nvidia/k8s/dcgm-exporter", tag: "4.5.3-4.8.2-distroless" } as const;
/** fullnameOverride: the DaemonSet, Service and ServiceMonitor are all `dcgm-exporter`. */
export const DCGM_EXPORTER_NAME = "dcgm-exporter";

/** Where the exporter's release goes. */
export interface DcgmExporterArgs {
    /** Namespace of the release (the monitoring namespace). */
    readonly namespace: string;
}

/** The exporter DaemonSet on GPU nodes and its ServiceMonitor. */
export class DcgmExporter extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: DcgmExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:DcgmExporter", name, {}, opts);
        this.release = pinnedRelease(
            name,
            DCGM_EXPORTER_CHART,
            {
                releaseName: DCGM_EXPORTER_NAME,
                namespace: args.namespace,
                timeoutSeconds: 600,
                values: {
                    fullnameOverride: DCGM_EXPORTER_NAME,
                    image: DCGM_EXPORTER_IMAGE,
                    // A list replaces the chart's (control-plane only) tolerations: GPU nodes are tainted.
                    tolerations: [GPU_TOLERATION],
                    nodeSelector: { [NODE_POOL_LABEL]: GPU_POOL },
                    resources: {
                        requests: { cpu: `${DCGM_EXPORTER_REQUESTS.cpuMillis}m`, memory: `${DCGM_EXPORTER_REQUESTS.memoryMiB}Mi` },
                        limits: { cpu: "200m", memory: "512Mi" },
                    },
                    serviceMonitor: {
                        enabled: true,
                        // Keep the exporter's pod/namespace/container labels (the GPU's workload)
                        // instead of renaming them exported_pod etc. under the exporter's own.
                        honorLabels: true,
                        // `node` on every GPU series: the Hostname label is renamed in later releases.
                        relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" }],
                    },
                },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
