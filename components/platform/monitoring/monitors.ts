/**
 * ServiceMonitors and PodMonitors (monitoring.coreos.com/v1) from scrape targets: what a serving
 * graph or a platform component declares it serves, so selectors and port names follow the
 * objects that are really created.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ScrapeTarget } from "../../serving/graph";

/** Label every monitor, rule and dashboard of this program carries. */
export const MONITORING_LABELS = { "app.kubernetes.io/part-of": "pd-serving" } as const;
const DEFAULT_METRICS_PATH = "/metrics";
/** The chart's global scrape interval, spelled out. */
const SCRAPE_INTERVAL = "30s";

/** A scrape target whose selector may still be unknown (a platform object's Output). */
export interface PlatformScrapeTarget extends Omit<ScrapeTarget, "selector"> {
    readonly selector: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Where a monitor goes and what it scrapes. */
export interface MonitorArgs {
    /** Namespace of the monitor (the monitoring namespace). */
    readonly namespace: string;
    /** Namespace of the scraped Services or pods. */
    readonly targetNamespace: string;
    /** Prefix of the monitor names, e.g. the graph name. */
    readonly prefix: string;
}

/** One ServiceMonitor (kind service) or PodMonitor (kind pod) for the target. */
export function scrapeMonitor(
    target: ScrapeTarget | PlatformScrapeTarget,
    args: MonitorArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    const name = `${args.prefix}-${target.name}`;
    const endpoint = {
        port: target.port,
        path: target.path ?? DEFAULT_METRICS_PATH,
        interval: SCRAPE_INTERVAL,
        // The role label groups dashboards and rules across graphs (their pod labels differ).
        relabelings: [{ action: "replace", targetLabel: "role", replacement: target.role }],
    };
    const spec = {
        selector: { matchLabels: target.selector },
        namespaceSelector: { matchNames: [args.targetNamespace] },
        ...(target.kind === "service" ? { endpoints: [endpoint] } : { podMetricsEndpoints: [endpoint] }),
    };
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: target.kind === "service" ? "ServiceMonitor" : "PodMonitor",
            metadata: { name, namespace: args.namespace, labels: { ...MONITORING_LABELS } },
            spec,
        },
        opts,
    );
}

/**
 * Admits the monitoring namespace to a target's metrics port where a NetworkPolicy already
 * restricts ingress to those pods (policies add up: this one only widens theirs).
 */
export function admitPrometheus(
    name: string,
    target: PlatformScrapeTarget,
    args: { targetNamespace: string; monitoringNamespace: string },
    opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        name,
        {
            metadata: { name, namespace: args.targetNamespace, labels: { ...MONITORING_LABELS } },
            spec: {
                podSelector: { matchLabels: target.selector },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace } } }],
                        ports: [{ protocol: "TCP", port: target.port }],
                    },
                ],
            },
        },
        opts,
    );
}
