/**
 * Monitoring: kube-prometheus-stack (optionally remote-writing to Amazon Managed Prometheus), the
 * DCGM exporter on GPU nodes, the project's dashboards and GPU alert rules, etcd's metrics; then,
 * once the serving graph exists, a monitor per scrape target it declares and its serving rules.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServingGraph } from "../../serving/graph";
import { serviceUrl } from "../../k8s/urls";
import { Etcd } from "../etcd";
import { Nats, NATS_EXPORTER_PORT_NAME } from "../nats";
import { ampRemoteWrite, AmpRemoteWrite } from "./amp";
import { gpuRules, prometheusRule, servingRules } from "./alertRules";
import { dashboardConfigMaps } from "./dashboards";
import { DcgmExporter } from "./dcgmExporter";
import { FOOTPRINTS, MonitoringFootprint } from "./footprint";
import {
    GRAFANA_ADMIN_USER,
    GRAFANA_SERVICE,
    GRAFANA_SERVICE_PORT,
    KubePrometheusStack,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
    PROMETHEUS_SERVICE_ACCOUNT,
} from "./kubePrometheusStack";
import { admitPrometheus, PlatformScrapeTarget, scrapeMonitor } from "./monitors";

/** Namespace of the monitoring stack. */
export const MONITORING_NAMESPACE = "monitoring";
/** Local port of the Grafana port-forward. */
const GRAFANA_LOCAL_PORT = 3000;
/** etcd's --listen-metrics-urls container port (components/platform/etcd.ts). */
const ETCD_METRICS_PORT_NAME = "metrics";

/** What the monitoring stack is built from. */
export interface MonitoringArgs {
    /** Name of the EKS cluster (AMP workspace alias, `cluster` external label). */
    readonly clusterName: string;
    /** AWS region (SigV4 signing of remote writes). */
    readonly region: string;
    /** ARN of the cluster's IAM OIDC provider (IRSA for remote writes). */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** gp3 StorageClass of the Storage component. */
    readonly storageClassName: string;
    /** Sizes of Prometheus and Grafana. */
    readonly footprint: MonitoringFootprint;
    /** Create an AMP workspace and remote-write to it. */
    readonly ampWorkspace: boolean;
    /** TTFT p99 alert threshold, seconds. */
    readonly ttftP99AlertSeconds: number;
    /** GPUs per GPU node, for the GPU-missing rule. */
    readonly gpusPerNode: number;
    /** GPU nodes, for the GPU-node-missing rule. */
    readonly gpuNodes: number;
    /** Namespace of the serving graph, etcd and NATS. */
    readonly servingNamespace: string;
    /** etcd, when deployed: its metrics listener is scraped. @default none */
    readonly etcd?: Etcd;
    /** NATS, when deployed (with its exporter sidecar): the exporter is scraped. @default none */
    readonly nats?: Nats;
    /** What the DCGM exporter waits for (the GPU node group). @default none */
    readonly gpuNodesDependency?: pulumi.Resource[];
}

/** The monitoring stack and how to reach it. */
export class Monitoring extends pulumi.ComponentResource {
    public readonly namespace = MONITORING_NAMESPACE;
    public readonly stack: KubePrometheusStack;
    public readonly dcgmExporter: DcgmExporter;
    public readonly amp?: AmpRemoteWrite;
    /** `kubectl port-forward` to Grafana. */
    public readonly grafanaPortForwardCommand: string;
    /** Grafana's admin password (secret). */
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    /** In-cluster URL of Prometheus (its HTTP API and UI). */
    public readonly prometheusUrl: string;
    private readonly args: MonitoringArgs;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:Monitoring", name, {}, opts);
        this.args = args;
        const ns = new k8s.core.v1.Namespace(
            name,
            { metadata: { name: this.namespace, labels: { "app.kubernetes.io/part-of": "pd-serving" } } },
            { parent: this },
        );
        this.amp = args.ampWorkspace
            ? ampRemoteWrite(
                  `${name}-amp`,
                  {
                      alias: args.clusterName,
                      region: args.region,
                      oidcProviderArn: args.oidcProviderArn,
                      oidcIssuer: args.oidcIssuer,
                      namespace: this.namespace,
                      serviceAccount: PROMETHEUS_SERVICE_ACCOUNT,
                  },
                  { parent: this },
              )
            : undefined;
        this.stack = new KubePrometheusStack(
            "kube-prometheus-stack",
            {
                namespace: this.namespace,
                storageClassName: args.storageClassName,
                sizes: FOOTPRINTS[args.footprint],
                clusterName: args.clusterName,
                remoteWrite: this.amp ? [this.amp.remoteWrite] : undefined,
                prometheusServiceAccountAnnotations: this.amp ? { "eks.amazonaws.com/role-arn": this.amp.role.arn } : undefined,
            },
            { parent: this, dependsOn: [ns] },
        );
        // The CRDs (ServiceMonitor, PodMonitor, PrometheusRule) come with the stack's release.
        const withCrds = { parent: this, dependsOn: [this.stack.release] };
        this.dcgmExporter = new DcgmExporter(
            "dcgm-exporter",
            { namespace: this.namespace },
            { parent: this, dependsOn: [this.stack.release, ...(args.gpuNodesDependency ?? [])] },
        );
        dashboardConfigMaps(this.namespace, { parent: this, dependsOn: [ns] });
        prometheusRule("pd-serving-gpus", { namespace: this.namespace, groups: [gpuRules(args)] }, withCrds);
        if (args.nats) {
            this.scrapePlatform("platform", {
                name: "nats",
                kind: "pod",
                selector: args.nats.serverLabels,
                port: NATS_EXPORTER_PORT_NAME,
                role: "nats",
            });
        }
        if (args.etcd) {
            this.scrapePlatform("platform", {
                name: "etcd",
                kind: "pod",
                selector: args.etcd.statefulSet.spec.selector.matchLabels,
                port: ETCD_METRICS_PORT_NAME,
                role: "etcd",
            });
        }

        this.grafanaPortForwardCommand =
            `kubectl -n ${this.namespace} port-forward svc/${GRAFANA_SERVICE} ${GRAFANA_LOCAL_PORT}:${GRAFANA_SERVICE_PORT}` +
            `  # then http://localhost:${GRAFANA_LOCAL_PORT} as ${GRAFANA_ADMIN_USER}, password: pulumi stack output --show-secrets grafanaAdminPassword`;
        this.grafanaAdminPassword = this.stack.grafanaAdminPassword;
        this.prometheusUrl = serviceUrl(PROMETHEUS_SERVICE, this.namespace, PROMETHEUS_PORT);
        this.registerOutputs({ prometheusUrl: this.prometheusUrl });
    }

    /** Monitors for every scrape target of the graph, and its serving alert rules. */
    public scrapeGraph(prefix: string, graph: ServingGraph): void {
        const targets = graph.scrapeTargets ?? [];
        const opts = { parent: this, dependsOn: [this.stack.release] };
        for (const target of targets) {
            scrapeMonitor(target, { namespace: this.namespace, targetNamespace: this.args.servingNamespace, prefix }, opts);
        }
        prometheusRule(
            `${prefix}-serving`,
            { namespace: this.namespace, groups: [servingRules({ targets, ttftP99Seconds: this.args.ttftP99AlertSeconds })] },
            opts,
        );
    }

    /** A platform component's metrics: its monitor and, past its NetworkPolicy, admission for Prometheus. */
    private scrapePlatform(prefix: string, target: PlatformScrapeTarget): void {
        const targetNamespace = this.args.servingNamespace;
        scrapeMonitor(target, { namespace: this.namespace, targetNamespace, prefix }, { parent: this, dependsOn: [this.stack.release] });
        admitPrometheus(
            `${target.name}-metrics-from-monitoring`,
            target,
            { targetNamespace, monitoringNamespace: this.namespace },
            { parent: this },
        );
    }
}

/** Scrapes the serving graph when both monitoring and a graph exist (index.ts calls it). */
export function monitorServingGraph(monitoring: Monitoring | undefined, graph: ServingGraph | undefined): void {
    if (monitoring && graph) {
        monitoring.scrapeGraph("graph", graph);
    }
}
