import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Endpoint } from "./endpoint";
import { exposeFrontend, GraphArgs, graphLabels, ScrapeTarget, ServingGraph } from "./graph";
import { serviceUrl } from "../k8s/urls";
import { DYNAMO_IMAGE } from "../../stacks/catalog/images";
import {
    awaitTimeout,
    Container,
    env,
    EnvVar,
    httpProbe,
    INFRA_CLIENT_LABELS,
    onSystemNodes,
    spreadAcrossNodes,
    tcpProbe,
} from "../k8s/pod";
import { engineArgs, WorkerRole, workerPodSpec, workerProbes } from "./worker";

export const FRONTEND_PORT = 8000;
/** Dynamo's system server on workers: /live, /health and /metrics. */
export const DYNAMO_SYSTEM_PORT = 9090;
/** Dynamo's logical namespace (DYN_NAMESPACE) that workers register under. */
export const DYNAMO_NAMESPACE = "dynamo";
/** Times a request may move to another worker when its worker dies mid-stream. */
export const MIGRATION_LIMIT = 3;

export interface DynamoGraphArgs extends GraphArgs {
    /** etcd client URL (ETCD_ENDPOINTS). */
    readonly etcdEndpoint: string;
    /** NATS client URL (NATS_SERVER). */
    readonly natsEndpoint: string;
    /** NATS monitoring URL, for the wait on JetStream. */
    readonly natsMonitorEndpoint: string;
    /** dynamo.frontend --router-mode: kv, round-robin or random. */
    readonly routerMode: string;
}

/** Waits until etcd is healthy and NATS JetStream is enabled, so Dynamo never starts without them. */
const WAIT_FOR_INFRA_SCRIPT = `
import os, time, urllib.request
for url in [os.environ["ETCD_ENDPOINTS"].split(",")[0] + "/health", os.environ["NATS_MONITOR"] + "/healthz?js-enabled-only=true"]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    print("ready:", url)
                    break
        except Exception as error:
            print("waiting for", url, error)
        time.sleep(5)
`.trim();

/**
 * NVIDIA Dynamo 0.7.0: frontends with the KV-aware router, prefill and decode workers
 * (`python3 -m dynamo.vllm`) that find each other through etcd and NATS. Workers are
 * Deployments: Dynamo routes by its own registry, not by pod DNS.
 */
export class DynamoGraph extends pulumi.ComponentResource implements ServingGraph {
    public readonly endpoint: Endpoint;
    public readonly frontendServiceName = "frontend";
    public readonly frontendPort = FRONTEND_PORT;
    public readonly metricsEndpoints: Record<string, string>;
    // The frontend serves /metrics on its HTTP port; workers (vllm:* passthrough) on the system port.
    public readonly scrapeTargets: readonly ScrapeTarget[] = [
        { name: "frontend", kind: "service", selector: graphLabels("dynamo", "frontend"), port: "http", role: "frontend" },
        { name: "prefill", kind: "pod", selector: graphLabels("dynamo", "prefill"), port: "system", role: "prefill" },
        { name: "decode", kind: "pod", selector: graphLabels("dynamo", "decode"), port: "system", role: "decode" },
    ];

    constructor(name: string, args: DynamoGraphArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:DynamoGraph", name, {}, opts);
        const ns = args.namespace;
        const dynamoEnv = env({
            ETCD_ENDPOINTS: args.etcdEndpoint,
            NATS_SERVER: args.natsEndpoint,
            DYN_NAMESPACE: DYNAMO_NAMESPACE,
            DYN_LOG: "info",
        });
        const waitForInfra: Container = {
            name: "wait-for-etcd-nats",
            image: DYNAMO_IMAGE,
            command: ["python3", "-c", WAIT_FOR_INFRA_SCRIPT],
            env: [...dynamoEnv, ...env({ NATS_MONITOR: args.natsMonitorEndpoint })],
            // requests = limits, so Dynamo workers stay Guaranteed QoS.
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "50m", memory: "128Mi" } },
        };

        this.workers("prefill", args.prefillReplicas, ["--is-prefill-worker"], args, dynamoEnv, waitForInfra);
        this.workers("decode", args.decodeReplicas, [], args, dynamoEnv, waitForInfra);

        const labels = graphLabels("dynamo", "frontend");
        const frontendArgs = [
            "--http-host",
            "0.0.0.0",
            "--http-port",
            String(FRONTEND_PORT),
            "--router-mode",
            args.routerMode,
            "--kv-cache-block-size",
            String(args.engine.blockSize),
        ];
        if (args.routerMode === "kv" && args.frontendReplicas > 1) {
            // Frontend replicas share their KV-router state so each sees the others' routing.
            frontendArgs.push("--router-replica-sync");
        }
        // Ready only once a worker registered (/health): wait as long as the workers may take to load.
        new k8s.apps.v1.Deployment(
            "frontend",
            {
                metadata: { name: "frontend", namespace: ns, labels, annotations: awaitTimeout(4200) },
                spec: {
                    replicas: args.frontendReplicas,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels: { ...labels, ...INFRA_CLIENT_LABELS } },
                        spec: {
                            ...onSystemNodes(),
                            topologySpreadConstraints: [spreadAcrossNodes(labels, "ScheduleAnyway")],
                            terminationGracePeriodSeconds: 60,
                            initContainers: [waitForInfra],
                            containers: [
                                {
                                    name: "frontend",
                                    image: DYNAMO_IMAGE,
                                    command: ["python3", "-m", "dynamo.frontend"],
                                    args: frontendArgs,
                                    env: dynamoEnv,
                                    ports: [{ name: "http", containerPort: FRONTEND_PORT }],
                                    resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { memory: "8Gi" } },
                                    startupProbe: tcpProbe("http", { periodSeconds: 5, failureThreshold: 60 }),
                                    // /health reports unhealthy until a worker registers: no traffic before then.
                                    readinessProbe: httpProbe("/health", "http", { periodSeconds: 10, failureThreshold: 3 }),
                                    livenessProbe: tcpProbe("http", { periodSeconds: 20, failureThreshold: 3 }),
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        this.endpoint = exposeFrontend(
            "frontend",
            {
                namespace: ns,
                labels,
                replicas: args.frontendReplicas,
                ports: [{ name: "http", port: FRONTEND_PORT }],
                scheme: args.endpointScheme,
                allowedCidrs: args.endpointAllowedCidrs,
            },
            this,
        );
        this.metricsEndpoints = {
            frontend: serviceUrl("frontend", ns, FRONTEND_PORT, "/metrics"),
            prefill: `http://<prefill pod IP>:${DYNAMO_SYSTEM_PORT}/metrics`,
            decode: `http://<decode pod IP>:${DYNAMO_SYSTEM_PORT}/metrics`,
        };
        this.registerOutputs({ metricsEndpoints: this.metricsEndpoints });
    }

    private workers(
        role: WorkerRole,
        replicas: number,
        roleArgs: string[],
        args: DynamoGraphArgs,
        dynamoEnv: EnvVar[],
        waitForInfra: Container,
    ): void {
        const labels = graphLabels("dynamo", role);
        new k8s.apps.v1.Deployment(
            role,
            {
                metadata: { name: role, namespace: args.namespace, labels, annotations: awaitTimeout(3600) },
                spec: {
                    replicas,
                    // Every GPU is taken: a surge pod would stay Pending and stall the rollout.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels: { ...labels, ...INFRA_CLIENT_LABELS } },
                        spec: workerPodSpec({
                            role,
                            labels,
                            image: DYNAMO_IMAGE,
                            command: ["python3", "-m", "dynamo.vllm"],
                            args: [
                                "--model",
                                args.engine.model,
                                ...engineArgs(args.engine),
                                "--migration-limit",
                                String(MIGRATION_LIMIT),
                                ...roleArgs,
                            ],
                            ports: [{ name: "system", containerPort: DYNAMO_SYSTEM_PORT }],
                            probes: workerProbes({ startup: "/live", ready: "/health", live: "/live" }, "system"),
                            env: [
                                ...dynamoEnv,
                                ...env({
                                    DYN_SYSTEM_ENABLED: "true",
                                    DYN_SYSTEM_PORT: String(DYNAMO_SYSTEM_PORT),
                                    DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate"]',
                                }),
                            ],
                            resources: args.worker,
                            // The 0.7.0 runtime image is not evidenced to carry NIXL's LIBFABRIC plugin:
                            // Dynamo's default connector (NIXL on UCX) it is; see the README.
                            nixlBackend: "UCX",
                            gpuDirectRdma: args.gpuDirectRdma,
                            modelCache: args.modelCache,
                            initContainers: [waitForInfra],
                        }),
                    },
                },
            },
            { parent: this },
        );
    }
}
