import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Endpoint } from "./endpoint";
import {
    exposeFrontend,
    GraphArgs,
    graphLabels,
    ScrapeTarget,
    ServingGraph,
    WorkerMetricsTarget,
    workerDisruptionBudgets,
    workerMetricsTargets,
} from "./graph";
import { VLLM_ROUTER_IMAGE } from "../../stacks/catalog/images";
import { nixlKvTransferConfig } from "./nixl";
import { awaitTimeout, httpProbe, onSystemNodes, spreadAcrossNodes } from "../k8s/pod";
import {
    engineArgs,
    WORKER_SHUTDOWN_TIMEOUT_SECONDS,
    WorkerRole,
    workerPodSecurityExceptions,
    workerPodSpec,
    workerProbes,
} from "./worker";
import { NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { podUrl, serviceUrl } from "../k8s/urls";
import { ApiGateway } from "./gateway";
import { Duration } from "../k8s/units";

/**
 * Port of the vLLM server on prefill and decode pods alike: the router's discovery takes one
 * `--service-discovery-port` for both roles (its CLI default is 80, so it is always passed).
 */
export const WORKER_PORT = 8000;
export const ROUTER_PORT = 8000;
export const ROUTER_METRICS_PORT = 29000;
/** How often the router health-checks each worker (its default, 60 s, keeps a dead pod in rotation for minutes). */
export const ROUTER_HEALTH_CHECK_INTERVAL_SECONDS = 5;
/** warn: the default, info, logs each request, prompts included. */
export const ROUTER_LOG_LEVEL = "warn";
/** Pods of a role must load their model before the router has them: the await allows for it. */
const WORKER_AWAIT_SECONDS = 3600;

/** The shared graph arguments plus the worker image and the router's P/D policies. */
export interface VllmRouterGraphArgs extends GraphArgs {
    /** vLLM image of the workers (with the EFA userspace when efa is on). */
    readonly workerImage: string;
    /** vllm-router --prefill-policy. */
    readonly prefillPolicy: string;
    /** vllm-router --decode-policy. */
    readonly decodePolicy: string;
}

/** The labels the router's discovery selects a role's pods by (all must match; space-separated k=v values). */
export function discoverySelector(role: WorkerRole): string[] {
    const labels = graphLabels("vllm-router", role);
    return ["pd-serving/graph", "app.kubernetes.io/component"].map((k) => `${k}=${labels[k]}`);
}

/**
 * vllm-router (vllm-project/router v0.1.15) in vLLM P/D mode over plain vLLM pods. The router
 * finds workers through the Kubernetes API by role label (`--service-discovery` with
 * `--prefill-selector`/`--decode-selector`, router PR #84): it adds a pod once it is Running and
 * Ready and drops it when it is deleted, so scaling needs no router restart and one bad GPU pod
 * does not hold the router's listener. Workers stay StatefulSets (stable names for metrics; a
 * rolling update deletes a pod before it starts its replacement, so it needs no spare GPU).
 */
export class VllmRouterGraph extends pulumi.ComponentResource implements ServingGraph {
    public readonly endpoint: Endpoint;
    public readonly gateway: ApiGateway;
    public readonly frontendServiceName = "router";
    public readonly frontendPort = ROUTER_PORT;
    public readonly metricsEndpoints: Record<string, string>;
    public readonly resource: pulumi.Resource = this;
    /** vLLM serves /metrics on its API port. */
    private readonly workerTargets = workerMetricsTargets("vllm-router", {
        container: (role) => role,
        port: WORKER_PORT,
        portName: "http",
    });
    public readonly workerMetrics: WorkerMetricsTarget[] = this.workerTargets.metrics;
    // The router serves /metrics on its Prometheus port (Service "router").
    public readonly scrapeTargets: readonly ScrapeTarget[] = [
        { name: "router", kind: "service", selector: graphLabels("vllm-router", "router"), port: "metrics", role: "router" },
        ...this.workerTargets.scrape,
    ];

    constructor(name: string, args: VllmRouterGraphArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:VllmRouterGraph", name, {}, opts);
        const ns = args.namespace;
        this.workers("prefill", args.prefillReplicas, args);
        this.workers("decode", args.decodeReplicas, args);

        const labels = graphLabels("vllm-router", "router");
        const serviceAccount = this.discoveryAccess(ns, labels);
        new k8s.apps.v1.Deployment(
            "router",
            {
                metadata: {
                    name: "router",
                    namespace: ns,
                    labels,
                    annotations: awaitTimeout(Duration.seconds(WORKER_AWAIT_SECONDS + 600)),
                },
                spec: {
                    replicas: args.frontendReplicas,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            ...onSystemNodes(),
                            // The token is used: discovery watches the namespace's pods.
                            serviceAccountName: serviceAccount,
                            automountServiceAccountToken: true,
                            // Restricted: the image (Dockerfile.router: python:3.12-slim, root) holds the binary at
                            // /usr/local/bin/vllm-router, executable by any user; it writes nothing but /tmp.
                            securityContext: restrictedPodSecurity(NONROOT_UID),
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                            topologySpreadConstraints: [spreadAcrossNodes(labels, "ScheduleAnyway")],
                            terminationGracePeriodSeconds: 60,
                            containers: [
                                {
                                    name: "router",
                                    image: VLLM_ROUTER_IMAGE,
                                    command: ["vllm-router"],
                                    args: [
                                        "--vllm-pd-disaggregation",
                                        "--service-discovery",
                                        "--service-discovery-namespace",
                                        ns,
                                        "--service-discovery-port",
                                        String(WORKER_PORT),
                                        "--prefill-selector",
                                        ...discoverySelector("prefill"),
                                        "--decode-selector",
                                        ...discoverySelector("decode"),
                                        "--prefill-policy",
                                        args.prefillPolicy,
                                        "--decode-policy",
                                        args.decodePolicy,
                                        "--health-check-interval-secs",
                                        String(ROUTER_HEALTH_CHECK_INTERVAL_SECONDS),
                                        "--log-level",
                                        ROUTER_LOG_LEVEL,
                                        "--host",
                                        "0.0.0.0",
                                        "--port",
                                        String(ROUTER_PORT),
                                        "--prometheus-host",
                                        "0.0.0.0",
                                        "--prometheus-port",
                                        String(ROUTER_METRICS_PORT),
                                    ],
                                    ports: [
                                        { name: "http", containerPort: ROUTER_PORT },
                                        { name: "metrics", containerPort: ROUTER_METRICS_PORT },
                                    ],
                                    resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } },
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                    // With discovery the listener binds at once; 5 minutes covers a slow API server.
                                    startupProbe: httpProbe("/liveness", "http", { periodSeconds: 10, failureThreshold: 30 }),
                                    // Ready only with at least one healthy prefill and one healthy decode worker.
                                    readinessProbe: httpProbe("/readiness", "http", { periodSeconds: 10, failureThreshold: 3 }),
                                    livenessProbe: httpProbe("/liveness", "http", { periodSeconds: 20, failureThreshold: 3 }),
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        workerDisruptionBudgets("vllm-router", ns, this);
        const exposure = exposeFrontend(
            "router",
            {
                namespace: ns,
                labels,
                replicas: args.frontendReplicas,
                ports: [
                    { name: "http", port: ROUTER_PORT },
                    { name: "metrics", port: ROUTER_METRICS_PORT },
                ],
                scheme: args.endpointScheme,
                allowedCidrs: args.endpointAllowedCidrs,
                certificateArn: args.endpointCertificateArn,
            },
            this,
        );
        this.endpoint = exposure.endpoint;
        this.gateway = exposure.gateway;
        this.metricsEndpoints = {
            router: serviceUrl("router", ns, ROUTER_METRICS_PORT, "/metrics"),
            prefill: `${podUrl("prefill-<i>", "prefill-workers", ns, WORKER_PORT, "/metrics")} (i = 0..${args.prefillReplicas - 1})`,
            decode: `${podUrl("decode-<i>", "decode-workers", ns, WORKER_PORT, "/metrics")} (i = 0..${args.decodeReplicas - 1})`,
        };
        this.registerOutputs({ metricsEndpoints: this.metricsEndpoints });
    }

    /**
     * The router's identity for discovery: it watches pods in its own namespace only, so a
     * namespaced Role suffices (router docs/environment/kubernetes.md: pods get, list, watch).
     */
    private discoveryAccess(ns: string, labels: Record<string, string>): string {
        const name = "router";
        const parent = { parent: this };
        new k8s.core.v1.ServiceAccount(name, { metadata: { name, namespace: ns, labels } }, parent);
        new k8s.rbac.v1.Role(
            name,
            {
                metadata: { name, namespace: ns, labels },
                rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
            },
            parent,
        );
        new k8s.rbac.v1.RoleBinding(
            name,
            {
                metadata: { name, namespace: ns, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
                subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
            },
            parent,
        );
        return name;
    }

    /** A worker StatefulSet and the headless Service that names its pods. */
    private workers(role: WorkerRole, replicas: number, args: VllmRouterGraphArgs): void {
        const ns = args.namespace;
        const labels = graphLabels("vllm-router", role);
        const service = `${role}-workers`;
        new k8s.core.v1.Service(
            service,
            {
                metadata: { name: service, namespace: ns, labels },
                spec: { clusterIP: "None", selector: labels, ports: [{ name: "http", port: WORKER_PORT, targetPort: "http" }] },
            },
            { parent: this },
        );
        const backend = args.efa ? "LIBFABRIC" : "UCX";
        new k8s.apps.v1.StatefulSet(
            role,
            {
                metadata: { name: role, namespace: ns, labels, annotations: awaitTimeout(Duration.seconds(WORKER_AWAIT_SECONDS)) },
                spec: {
                    replicas,
                    serviceName: service,
                    // Pods load their models in parallel; order does not matter.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels, annotations: workerPodSecurityExceptions(args.efa) },
                        spec: workerPodSpec({
                            role,
                            labels,
                            image: args.workerImage,
                            // Explicit: the DLC image's entrypoint is a script, upstream's is `vllm serve`.
                            command: ["vllm", "serve"],
                            args: [
                                args.engine.model,
                                "--host",
                                "0.0.0.0",
                                "--port",
                                String(WORKER_PORT),
                                ...engineArgs(args.engine),
                                "--kv-transfer-config",
                                nixlKvTransferConfig(backend),
                                "--shutdown-timeout",
                                String(WORKER_SHUTDOWN_TIMEOUT_SECONDS),
                            ],
                            ports: [{ name: "http", containerPort: WORKER_PORT }],
                            probes: workerProbes({ startup: "/health", ready: "/health", live: "/health" }, "http"),
                            resources: args.worker,
                            nixlBackend: backend,
                            gpuDirectRdma: args.gpuDirectRdma,
                            modelCache: args.modelCache,
                            callsKubernetesApi: false,
                        }),
                    },
                },
            },
            { parent: this },
        );
    }
}
