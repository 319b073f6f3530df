import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart, pinnedRelease } from "../k8s/helm";
import { DELETE_VOLUMES_WITH_STATEFULSET, INFRA_CLIENT_LABELS } from "../k8s/pod";
import { NODE_POOL_LABEL, SYSTEM_POOL } from "../k8s/labels";
import { serviceUrl } from "../k8s/urls";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";

/**
 * The official NATS chart, nats-io/k8s helm/charts/nats 2.14.2 (tag nats-2.14.2 = 957650fb;
 * repo index gh-pages @66f8cbf8 helm/charts/index.yaml: `version: 2.14.2`, `appVersion: 2.14.2`,
 * digest 86e0fbfe...0f84). The chart took the server's numbering after 1.3.16. Values keys
 * checked in its values.yaml, all unchanged since 1.3.16: config.cluster, config.jetstream.fileStore.pvc,
 * config.monitor, config.merge, podTemplate.merge, podTemplate.topologySpreadConstraints (a map
 * keyed by topology key), podDisruptionBudget.enabled, natsBox.enabled, container.image. New in
 * 2.x: podTemplate.configChecksumAnnotation defaults to false (the reloader applies config
 * changes without rolling the StatefulSet).
 */
export const NATS_CHART: PinnedChart = {
    chart: "nats",
    version: "2.14.2",
    repo: "https://nats-io.github.io/k8s/helm/charts/",
};
/** The chart's own image tag (values.yaml @nats-2.14.2: `repository: nats`, `tag: 2.14.2-alpine`). */
export const NATS_IMAGE_TAG = "2.14.2-alpine";
export const NATS_CLIENT_PORT = 4222;
export const NATS_MONITOR_PORT = 8222;
const CLUSTER_PORT = 6222;
/**
 * @default 10 MiB, as Dynamo's platform chart: the 1 MiB server default is too small for
 * long-context requests (256K tokens x 4 bytes). Below the server's 64 MB max_pending.
 */
export const NATS_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * The servers' user: the nats image declares none (root); any non-root uid serves, ports are
 * above 1024 and fsGroup makes the JetStream volume writable. The config reloader signals the
 * server in the shared process namespace, which a process of the same uid may.
 */
const NATS_UID = 1000;

/** Servers: a JetStream cluster keeps quorum with one of three down. */
const DEFAULT_NATS_REPLICAS = 3;
/** JetStream file store per server. */
const DEFAULT_NATS_STORAGE = "10Gi";

/** Where and how big the NATS cluster is. */
export interface NatsArgs {
    /** Namespace of the release. */
    readonly namespace: string;
    /** StorageClass of the JetStream volumes. */
    readonly storageClassName: string;
    /** @default 3 */
    readonly replicas?: number;
    /** JetStream file store per server. @default "10Gi" */
    readonly storageSize?: string;
    /**
     * Run the chart's Prometheus exporter sidecar (the monitor port 8222 serves JSON, not the
     * Prometheus format) and admit the monitoring namespace to it. @default false
     */
    readonly prometheusExporter?: boolean;
}

/** Port of the chart's exporter sidecar (values.yaml @nats-2.14.2 `promExporter.port: 7777`, container port `prom-metrics`). */
export const NATS_EXPORTER_PORT = 7777;
/** Name of that container port (files/stateful-set/prom-exporter-container.yaml @nats-2.14.2). */
export const NATS_EXPORTER_PORT_NAME = "prom-metrics";

/**
 * A 3-server NATS cluster with JetStream on a file-store volume per server, one server per
 * system node, the chart's PodDisruptionBudget, and a NetworkPolicy that admits only Dynamo's
 * pods and the servers themselves.
 *
 * No client TLS or auth, on purpose (also etcd's, ./etcd.ts): the NetworkPolicy admits only pods
 * of the serving namespace labelled pd-serving/infra-client and the servers themselves, so no other
 * namespace and no load balancer reaches the client port. Inside the namespace the label is no
 * boundary, but whoever can create pods there can already read its Secrets (the HF token) and
 * reach the workers; NATS carries only Dynamo's events and replica sync, no credentials.
 */
export class Nats extends pulumi.ComponentResource {
    /** In-cluster client URL, e.g. nats://nats.serving.svc.cluster.local:4222. */
    public readonly clientEndpoint: string;
    /** In-cluster monitoring URL (healthz, varz, jsz). */
    public readonly monitorEndpoint: string;
    public readonly release: k8s.helm.v3.Release;
    /** Labels of the NATS server pods. */
    public readonly serverLabels: Record<string, string>;
    /** Ports the servers dial each other on: client first, then cluster routes. */
    public readonly peerPorts = [NATS_CLIENT_PORT, CLUSTER_PORT];

    constructor(name: string, args: NatsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:Nats", name, {}, opts);
        const ns = args.namespace;
        const replicas = args.replicas ?? DEFAULT_NATS_REPLICAS;
        this.clientEndpoint = serviceUrl(name, ns, NATS_CLIENT_PORT, "", "nats");
        this.monitorEndpoint = serviceUrl(name, ns, NATS_MONITOR_PORT);

        this.release = pinnedRelease(
            name,
            NATS_CHART,
            {
                // The release name is the chart's fullname, so the client Service is `<name>`.
                releaseName: name,
                namespace: ns,
                // Volumes are provisioned only when the pods are scheduled.
                timeoutSeconds: 900,
                values: {
                    // Restricted Pod Security for the server, the config reloader and the exporter.
                    container: {
                        image: { repository: "nats", tag: NATS_IMAGE_TAG },
                        merge: { securityContext: restrictedContainerSecurity() },
                    },
                    reloader: { merge: { securityContext: restrictedContainerSecurity() } },
                    config: {
                        cluster: { enabled: true, replicas },
                        jetstream: {
                            enabled: true,
                            fileStore: {
                                enabled: true,
                                dir: "/data",
                                pvc: {
                                    enabled: true,
                                    size: args.storageSize ?? DEFAULT_NATS_STORAGE,
                                    storageClassName: args.storageClassName,
                                },
                            },
                            memoryStore: { enabled: false },
                        },
                        monitor: { enabled: true, port: NATS_MONITOR_PORT },
                        merge: { max_payload: NATS_MAX_PAYLOAD_BYTES },
                    },
                    statefulSet: { merge: { spec: { persistentVolumeClaimRetentionPolicy: DELETE_VOLUMES_WITH_STATEFULSET } } },
                    podTemplate: {
                        merge: {
                            spec: {
                                nodeSelector: { [NODE_POOL_LABEL]: SYSTEM_POOL },
                                securityContext: restrictedPodSecurity(NATS_UID),
                                // The servers never call the Kubernetes API.
                                automountServiceAccountToken: false,
                            },
                        },
                        topologySpreadConstraints: { "kubernetes.io/hostname": { maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" } },
                    },
                    // The chart leaves 8222 off the client Service; Dynamo's pods wait on /healthz there.
                    service: { ports: { monitor: { enabled: true } } },
                    podDisruptionBudget: { enabled: true },
                    natsBox: { enabled: false },
                    // natsio/prometheus-nats-exporter 0.20.1, the chart's default at nats-2.14.2; the chart's own PodMonitor stays off.
                    promExporter: {
                        enabled: args.prometheusExporter ?? false,
                        merge: { securityContext: restrictedContainerSecurity() },
                    },
                },
            },
            { parent: this },
        );

        const serverLabels = {
            "app.kubernetes.io/name": "nats",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/component": "nats",
        };
        this.serverLabels = serverLabels;
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name, namespace: ns, labels: serverLabels },
                spec: {
                    podSelector: { matchLabels: serverLabels },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ podSelector: { matchLabels: INFRA_CLIENT_LABELS } }],
                            ports: [
                                { protocol: "TCP", port: NATS_CLIENT_PORT },
                                { protocol: "TCP", port: NATS_MONITOR_PORT },
                            ],
                        },
                        {
                            from: [{ podSelector: { matchLabels: serverLabels } }],
                            ports: [
                                { protocol: "TCP", port: NATS_CLIENT_PORT },
                                { protocol: "TCP", port: CLUSTER_PORT },
                                { protocol: "TCP", port: NATS_MONITOR_PORT },
                            ],
                        },
                    ],
                },
            },
            { parent: this },
        );
        this.registerOutputs({ clientEndpoint: this.clientEndpoint });
    }
}
