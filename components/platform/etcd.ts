import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    awaitTimeout,
    DELETE_VOLUMES_WITH_STATEFULSET,
    env,
    fieldEnv,
    httpProbe,
    INFRA_CLIENT_LABELS,
    onePerNode,
    onSystemNodes,
} from "../k8s/pod";
import { podHost, podUrl, serviceUrl } from "../k8s/urls";
import { Duration } from "../k8s/units";
import { NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";

/**
 * The official etcd image (gcr.io/etcd-development/etcd, pushed by etcd's scripts/release.sh as
 * `gcr.io/etcd-development/etcd:${RELEASE_VERSION}`). v3.6.15 (CHANGELOG-3.6.md "## v3.6.15
 * (2026-09-22)"; the tag is named with its digest, sha256:5ed4e320...afad1, in public manifests)
 * rather than v3.6.16, whose image tag only the release page's template names. Distroless (no
 * shell), so the command is etcd itself with kubelet `$(VAR)` expansion. Flags checked against
 * server/embed/config.go at v3.6.14; v3.6.15 changed no flag (its CHANGELOG lists fixes only).
 */
export const ETCD_IMAGE = "gcr.io/etcd-development/etcd:v3.6.15";
export const ETCD_CLIENT_PORT = 2379;
const PEER_PORT = 2380;
const METRICS_PORT = 2381;
/** Mount path of a member's volume (the image's WORKDIR). */
const DATA_MOUNT = "/var/lib/etcd";

/** Members: quorum survives the loss of one. */
const DEFAULT_ETCD_REPLICAS = 3;
/** Volume of a member (the backend quota is 4 GiB). */
const DEFAULT_ETCD_STORAGE = "8Gi";

/** Where and how big the etcd cluster is. */
export interface EtcdArgs {
    /** Namespace of the StatefulSet, Services and PodDisruptionBudget. */
    readonly namespace: string;
    /** StorageClass of the members' volumes. */
    readonly storageClassName: string;
    /** @default 3 (tolerates the loss of one member) */
    readonly replicas?: number;
    /** @default "8Gi" */
    readonly storageSize?: string;
}

/**
 * A static etcd cluster as a StatefulSet: one member per system node (required anti-affinity),
 * a persistent volume per member, a PodDisruptionBudget that keeps quorum, probes on the
 * metrics listener, and a client Service. A hand-written StatefulSet rather than a chart: the
 * Bitnami images were withdrawn and the official image needs nothing more. Plain HTTP without
 * client auth, for the reason given on the NATS cluster (./nats.ts): the NetworkPolicy is the
 * boundary, and etcd holds only Dynamo's discovery records.
 */
export class Etcd extends pulumi.ComponentResource {
    /** In-cluster client URL, e.g. http://etcd.serving.svc.cluster.local:2379. */
    public readonly clientEndpoint: string;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** Labels of the member pods. */
    public readonly memberLabels: Record<string, string>;
    /** Ports members dial each other on: client first, then peer. */
    public readonly peerPorts = [ETCD_CLIENT_PORT, PEER_PORT];

    constructor(name: string, args: EtcdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:Etcd", name, {}, opts);
        const parent = { parent: this };
        const replicas = args.replicas ?? DEFAULT_ETCD_REPLICAS;
        const ns = args.namespace;
        const labels = { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": name };
        this.memberLabels = labels;
        const peerService = `${name}-peers`;
        const peerHost = (member: string) => podHost(member, peerService, ns);
        const members = [...Array(replicas).keys()].map((i) => `${name}-${i}`);
        this.clientEndpoint = serviceUrl(name, ns, ETCD_CLIENT_PORT);

        new k8s.core.v1.Service(
            `${name}-peers`,
            {
                metadata: { name: peerService, namespace: ns, labels },
                spec: {
                    clusterIP: "None",
                    // Members must resolve each other before any of them is Ready.
                    publishNotReadyAddresses: true,
                    selector: labels,
                    ports: [
                        { name: "client", port: ETCD_CLIENT_PORT },
                        { name: "peer", port: PEER_PORT },
                    ],
                },
            },
            parent,
        );
        new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: ns, labels },
                spec: { selector: labels, ports: [{ name: "client", port: ETCD_CLIENT_PORT, targetPort: "client" }] },
            },
            parent,
        );

        this.statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: { name, namespace: ns, labels, annotations: awaitTimeout(Duration.minutes(15)) },
                spec: {
                    replicas,
                    serviceName: peerService,
                    podManagementPolicy: "Parallel",
                    persistentVolumeClaimRetentionPolicy: DELETE_VOLUMES_WITH_STATEFULSET,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            ...onSystemNodes(),
                            affinity: onePerNode(labels),
                            terminationGracePeriodSeconds: 30,
                            // Restricted: the image (distroless static, root by default) runs as its
                            // nonroot user; fsGroup makes the volume writable for it. No API calls.
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurity(NONROOT_UID),
                            containers: [
                                {
                                    name: "etcd",
                                    image: ETCD_IMAGE,
                                    command: ["/usr/local/bin/etcd"],
                                    args: [
                                        "--name=$(POD_NAME)",
                                        // A directory etcd creates itself, 0700 (its check warns on the volume's root).
                                        `--data-dir=${DATA_MOUNT}/data`,
                                        `--listen-peer-urls=http://0.0.0.0:${PEER_PORT}`,
                                        `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
                                        `--listen-metrics-urls=http://0.0.0.0:${METRICS_PORT}`,
                                        `--advertise-client-urls=${podUrl("$(POD_NAME)", peerService, ns, ETCD_CLIENT_PORT)}`,
                                        `--initial-advertise-peer-urls=${podUrl("$(POD_NAME)", peerService, ns, PEER_PORT)}`,
                                        `--initial-cluster=${members.map((m) => `${m}=http://${peerHost(m)}:${PEER_PORT}`).join(",")}`,
                                        // Ignored once a member's data dir exists, so restarts rejoin.
                                        "--initial-cluster-state=new",
                                        `--initial-cluster-token=${name}-${ns}`,
                                        "--auto-compaction-mode=periodic",
                                        "--auto-compaction-retention=1h",
                                        "--quota-backend-bytes=4294967296",
                                    ],
                                    env: [fieldEnv("POD_NAME", "metadata.name"), ...env({ ETCD_LOG_LEVEL: "warn" })],
                                    ports: [
                                        { name: "client", containerPort: ETCD_CLIENT_PORT },
                                        { name: "peer", containerPort: PEER_PORT },
                                        { name: "metrics", containerPort: METRICS_PORT },
                                    ],
                                    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
                                    startupProbe: httpProbe("/livez", "metrics", { periodSeconds: 5, failureThreshold: 60 }),
                                    readinessProbe: httpProbe("/readyz", "metrics", { periodSeconds: 10, failureThreshold: 3 }),
                                    livenessProbe: httpProbe("/livez", "metrics", { periodSeconds: 10, failureThreshold: 6 }),
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [{ name: "data", mountPath: DATA_MOUNT }],
                                },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data" },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: args.storageClassName,
                                resources: { requests: { storage: args.storageSize ?? DEFAULT_ETCD_STORAGE } },
                            },
                        },
                    ],
                },
            },
            parent,
        );

        new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata: { name, namespace: ns, labels },
                spec: { minAvailable: Math.floor(replicas / 2) + 1, selector: { matchLabels: labels } },
            },
            parent,
        );

        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name, namespace: ns, labels },
                spec: {
                    podSelector: { matchLabels: labels },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ podSelector: { matchLabels: INFRA_CLIENT_LABELS } }],
                            ports: [{ protocol: "TCP", port: ETCD_CLIENT_PORT }],
                        },
                        {
                            from: [{ podSelector: { matchLabels: labels } }],
                            ports: [
                                { protocol: "TCP", port: ETCD_CLIENT_PORT },
                                { protocol: "TCP", port: PEER_PORT },
                            ],
                        },
                    ],
                },
            },
            parent,
        );
        this.registerOutputs({ clientEndpoint: this.clientEndpoint });
    }
}
