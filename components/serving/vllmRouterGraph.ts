import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Endpoint } from "./endpoint";
import { exposeFrontend, GraphArgs, graphLabels, ScrapeTarget, ServingGraph } from "./graph";
import { VLLM_ROUTER_IMAGE } from "../../stacks/catalog/images";
import { nixlKvTransferConfig } from "./nixl";
import { awaitTimeout, httpProbe, onSystemNodes, spreadAcrossNodes } from "../k8s/pod";
import { engineArgs, WorkerRole, workerPodSpec, workerProbes } from "./worker";
import { podUrl, serviceUrl } from "../k8s/urls";

/** Ports of the seed layout: prefill 8000, decode 8200. */
export const WORKER_PORTS: Record<WorkerRole, number> = { prefill: 8000, decode: 8200 };
export const ROUTER_PORT = 8000;
export const ROUTER_METRICS_PORT = 29000;
/** The router waits this long for workers at start: image pull, model download and load. */
export const ROUTER_WORKER_STARTUP_TIMEOUT_SECONDS = 3600;

export interface VllmRouterGraphArgs extends GraphArgs {
    /** vLLM image of the workers (with the EFA userspace when efa is on). */
    readonly workerImage: string;
    /** vllm-router --policy. */
    readonly policy: string;
}

/**
 * vllm-router in P/D mode over plain vLLM pods. Workers run as StatefulSets behind headless
 * Services so the router addresses every pod by its own DNS name (`prefill-3.prefill-workers...`):
 * a ClusterIP Service per role would let kube-proxy spread requests behind the router's back and
 * defeat consistent hashing.
 */
export class VllmRouterGraph extends pulumi.ComponentResource implements ServingGraph {
    public readonly endpoint: Endpoint;
    public readonly frontendServiceName = "router";
    public readonly frontendPort = ROUTER_PORT;
    public readonly metricsEndpoints: Record<string, string>;
    // vLLM serves /metrics on its API port; the router on its Prometheus port (Service "router").
    public readonly scrapeTargets: readonly ScrapeTarget[] = [
        { name: "router", kind: "service", selector: graphLabels("vllm-router", "router"), port: "metrics", role: "router" },
        { name: "prefill", kind: "pod", selector: graphLabels("vllm-router", "prefill"), port: "http", role: "prefill" },
        { name: "decode", kind: "pod", selector: graphLabels("vllm-router", "decode"), port: "http", role: "decode" },
    ];

    constructor(name: string, args: VllmRouterGraphArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:VllmRouterGraph", name, {}, opts);
        const ns = args.namespace;
        const prefillUrls = this.workers("prefill", args.prefillReplicas, args);
        const decodeUrls = this.workers("decode", args.decodeReplicas, args);

        const labels = graphLabels("vllm-router", "router");
        new k8s.apps.v1.Deployment(
            "router",
            {
                metadata: { name: "router", namespace: ns, labels, annotations: awaitTimeout(ROUTER_WORKER_STARTUP_TIMEOUT_SECONDS + 600) },
                spec: {
                    replicas: args.frontendReplicas,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            ...onSystemNodes(),
                            topologySpreadConstraints: [spreadAcrossNodes(labels, "ScheduleAnyway")],
                            terminationGracePeriodSeconds: 60,
                            containers: [
                                {
                                    name: "router",
                                    image: VLLM_ROUTER_IMAGE,
                                    command: ["vllm-router"],
                                    args: [
                                        "--vllm-pd-disaggregation",
                                        ...prefillUrls.flatMap((url) => ["--prefill", url]),
                                        ...decodeUrls.flatMap((url) => ["--decode", url]),
                                        "--policy",
                                        args.policy,
                                        "--host",
                                        "0.0.0.0",
                                        "--port",
                                        String(ROUTER_PORT),
                                        "--prometheus-host",
                                        "0.0.0.0",
                                        "--prometheus-port",
                                        String(ROUTER_METRICS_PORT),
                                        "--worker-startup-timeout-secs",
                                        String(ROUTER_WORKER_STARTUP_TIMEOUT_SECONDS),
                                    ],
                                    ports: [
                                        { name: "http", containerPort: ROUTER_PORT },
                                        { name: "metrics", containerPort: ROUTER_METRICS_PORT },
                                    ],
                                    resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } },
                                    // The router may wait for its workers before it serves: allow the whole wait.
                                    startupProbe: httpProbe("/liveness", "http", {
                                        periodSeconds: 10,
                                        failureThreshold: ROUTER_WORKER_STARTUP_TIMEOUT_SECONDS / 10,
                                    }),
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

        this.endpoint = exposeFrontend(
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
            },
            this,
        );
        this.metricsEndpoints = {
            router: serviceUrl("router", ns, ROUTER_METRICS_PORT, "/metrics"),
            prefill: `${podUrl("prefill-<i>", "prefill-workers", ns, WORKER_PORTS.prefill, "/metrics")} (i = 0..${args.prefillReplicas - 1})`,
            decode: `${podUrl("decode-<i>", "decode-workers", ns, WORKER_PORTS.decode, "/metrics")} (i = 0..${args.decodeReplicas - 1})`,
        };
        this.registerOutputs({ metricsEndpoints: this.metricsEndpoints });
    }

    /** A worker StatefulSet and its headless Service; returns the URL of every pod. */
    private workers(role: WorkerRole, replicas: number, args: VllmRouterGraphArgs): string[] {
        const ns = args.namespace;
        const port = WORKER_PORTS[role];
        const labels = graphLabels("vllm-router", role);
        const service = `${role}-workers`;
        new k8s.core.v1.Service(
            service,
            {
                metadata: { name: service, namespace: ns, labels },
                spec: {
                    clusterIP: "None",
                    // Names resolve while pods load, so the router can start and health-check them.
                    publishNotReadyAddresses: true,
                    selector: labels,
                    ports: [{ name: "http", port, targetPort: "http" }],
                },
            },
            { parent: this },
        );
        new k8s.apps.v1.StatefulSet(
            role,
            {
                metadata: { name: role, namespace: ns, labels, annotations: awaitTimeout(3600) },
                spec: {
                    replicas,
                    serviceName: service,
                    // Pods load their models in parallel; order does not matter.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: workerPodSpec({
                            role,
                            labels,
                            image: args.workerImage,
                            command: ["vllm", "serve"],
                            args: [
                                args.engine.model,
                                "--host",
                                "0.0.0.0",
                                "--port",
                                String(port),
                                ...engineArgs(args.engine),
                                "--kv-transfer-config",
                                nixlKvTransferConfig(args.efa ? "LIBFABRIC" : "UCX"),
                            ],
                            ports: [{ name: "http", containerPort: port }],
                            probes: workerProbes({ startup: "/health", ready: "/health", live: "/health" }, "http"),
                            resources: args.worker,
                            nixlBackend: args.efa ? "LIBFABRIC" : "UCX",
                            gpuDirectRdma: args.gpuDirectRdma,
                            modelCache: args.modelCache,
                        }),
                    },
                },
            },
            { parent: this },
        );
        return [...Array(replicas).keys()].map((i) => podUrl(`${role}-${i}`, service, ns, port));
    }
}
