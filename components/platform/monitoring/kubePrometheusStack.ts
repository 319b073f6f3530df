/**
 * kube-prometheus-stack: the Prometheus operator, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics and node-exporter, with Prometheus and Grafana on system nodes and gp3
 * volumes, and Grafana's admin password generated here and handed over in a Secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NODE_EXPORTER_REQUESTS } from "../../../stacks/catalog/daemonSets";
import { ALERTMANAGER_REQUESTS, GRAFANA_REQUESTS } from "../../../stacks/catalog/systemPods";
import { PinnedChart, pinnedRelease } from "../../k8s/helm";
import { onSystemNodes } from "../../k8s/pod";
import { FootprintSizes, requestsOf } from "./footprint";

/**
 * prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3 (ea930bae), Chart.yaml
 * `version: 88.5.3`, `appVersion: v0.93.1`; subcharts pinned there: grafana 12.11.1
 * (grafana-community), kube-state-metrics 8.4.0, prometheus-node-exporter 4.56.1. Values keys
 * checked in that tag's values.yaml; the CRDs in reference/crds come from the same chart.
 */
export const KUBE_PROMETHEUS_STACK_CHART: PinnedChart = {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    repo: "https://prometheus-community.github.io/helm-charts",
};

/** Release name and fullnameOverride: Services are `monitoring-prometheus`, `monitoring-grafana`. */
export const KPS_RELEASE = "monitoring";
export const PROMETHEUS_SERVICE = `${KPS_RELEASE}-prometheus`;
export const PROMETHEUS_PORT = 9090;
/** The grafana subchart names its Service `<release>-grafana`, port 80 (name http-web). */
export const GRAFANA_SERVICE = `${KPS_RELEASE}-grafana`;
export const GRAFANA_SERVICE_PORT = 80;
/** Prometheus's service account, named so that an IRSA role can trust exactly it. */
export const PROMETHEUS_SERVICE_ACCOUNT = `${KPS_RELEASE}-prometheus`;
/** The Grafana sidecar loads ConfigMaps with this label (kps values grafana.sidecar.dashboards). */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;
export const GRAFANA_ADMIN_USER = "admin";
/** Keys of the admin Secret: the chart's grafana.admin.userKey / passwordKey defaults. */
const ADMIN_USER_KEY = "admin-user";
const ADMIN_PASSWORD_KEY = "admin-password";

/** Namespace, storage, sizes and remote writes of the release. */
export interface KubePrometheusStackArgs {
    /** Namespace of the release (created by the caller). */
    readonly namespace: string;
    /** StorageClass of Prometheus's and Grafana's volumes (the Storage component's gp3). */
    readonly storageClassName: string;
    /** Volume, retention and requests. */
    readonly sizes: FootprintSizes;
    /** `cluster` external label on every series (tells clusters apart in a shared AMP workspace). */
    readonly clusterName: string;
    /** remoteWrite entries (Amazon Managed Prometheus). @default none */
    readonly remoteWrite?: pulumi.Input<Record<string, unknown>>[];
    /** Annotations of Prometheus's service account (the IRSA role). @default none */
    readonly prometheusServiceAccountAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The release with its Grafana admin credentials. */
export class KubePrometheusStack extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** Grafana's admin password, a secret Output. */
    public readonly grafanaAdminPassword: pulumi.Output<string>;

    constructor(name: string, args: KubePrometheusStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:KubePrometheusStack", name, {}, opts);
        const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, { parent: this });
        this.grafanaAdminPassword = pulumi.secret(password.result);
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: "grafana-admin", namespace: args.namespace },
                type: "Opaque",
                stringData: { [ADMIN_USER_KEY]: GRAFANA_ADMIN_USER, [ADMIN_PASSWORD_KEY]: this.grafanaAdminPassword },
            },
            { parent: this },
        );
        const system = onSystemNodes();
        const sizes = args.sizes;

        this.release = pinnedRelease(
            name,
            KUBE_PROMETHEUS_STACK_CHART,
            {
                releaseName: KPS_RELEASE,
                namespace: args.namespace,
                // CRDs, the operator's webhook certificate Jobs, then Prometheus's volume.
                timeoutSeconds: 1200,
                values: {
                    fullnameOverride: KPS_RELEASE,
                    // EKS runs etcd, the scheduler and the controller manager out of reach, and
                    // kube-proxy serves metrics on 127.0.0.1 only: their monitors would only ever be down.
                    kubeEtcd: { enabled: false },
                    kubeScheduler: { enabled: false },
                    kubeControllerManager: { enabled: false },
                    kubeProxy: { enabled: false },
                    defaultRules: {
                        rules: {
                            etcd: false,
                            kubeControllerManager: false,
                            kubeProxy: false,
                            kubeSchedulerAlerting: false,
                            kubeSchedulerRecording: false,
                        },
                    },
                    prometheusOperator: {
                        ...system,
                        admissionWebhooks: { patch: { ...system } },
                    },
                    prometheus: {
                        serviceAccount: {
                            create: true,
                            name: PROMETHEUS_SERVICE_ACCOUNT,
                            annotations: args.prometheusServiceAccountAnnotations ?? {},
                        },
                        prometheusSpec: {
                            ...system,
                            // Pick up every ServiceMonitor, PodMonitor and PrometheusRule, not only
                            // those labelled release=monitoring (the chart's default).
                            serviceMonitorSelectorNilUsesHelmValues: false,
                            podMonitorSelectorNilUsesHelmValues: false,
                            ruleSelectorNilUsesHelmValues: false,
                            retention: sizes.retention,
                            retentionSize: sizes.retentionSize,
                            externalLabels: { cluster: args.clusterName },
                            resources: { requests: sizes.prometheusRequests, limits: { memory: sizes.prometheusMemoryLimit } },
                            storageSpec: {
                                volumeClaimTemplate: {
                                    spec: {
                                        storageClassName: args.storageClassName,
                                        accessModes: ["ReadWriteOnce"],
                                        resources: { requests: { storage: sizes.prometheusVolume } },
                                    },
                                },
                            },
                            remoteWrite: args.remoteWrite ?? [],
                        },
                    },
                    alertmanager: {
                        alertmanagerSpec: {
                            ...system,
                            resources: { requests: requestsOf(ALERTMANAGER_REQUESTS), limits: { memory: "256Mi" } },
                        },
                    },
                    "kube-state-metrics": { ...system },
                    // The subchart's default toleration (operator Exists, effect NoSchedule) already
                    // admits it to the tainted GPU nodes; its requests are counted there (stacks/catalog/daemonSets.ts).
                    "prometheus-node-exporter": {
                        resources: {
                            requests: { cpu: `${NODE_EXPORTER_REQUESTS.cpuMillis}m`, memory: `${NODE_EXPORTER_REQUESTS.memoryMiB}Mi` },
                            limits: { memory: "256Mi" },
                        },
                    },
                    grafana: {
                        ...system,
                        admin: { existingSecret: adminSecret.metadata.name, userKey: ADMIN_USER_KEY, passwordKey: ADMIN_PASSWORD_KEY },
                        persistence: {
                            enabled: true,
                            type: "pvc",
                            storageClassName: args.storageClassName,
                            accessModes: ["ReadWriteOnce"],
                            size: sizes.grafanaVolume,
                        },
                        // A ReadWriteOnce volume cannot follow a surge pod to another node.
                        deploymentStrategy: { type: "Recreate" },
                        // Its fsGroup (472, grafana values.yaml) already makes the new volume Grafana's;
                        // the chown init container would be the pod's one root container.
                        initChownData: { enabled: false },
                        resources: { requests: requestsOf(GRAFANA_REQUESTS), limits: { memory: "512Mi" } },
                        sidecar: {
                            dashboards: {
                                enabled: true,
                                label: DASHBOARD_LABEL.key,
                                labelValue: DASHBOARD_LABEL.value,
                                searchNamespace: "ALL",
                            },
                        },
                    },
                },
            },
            { parent: this, dependsOn: [adminSecret] },
        );
        this.registerOutputs({});
    }
}
