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
import { serviceUrl } from "../k8s/urls";
import { env, EnvVar } from "../k8s/pod";
import { DYNAMO_SYSTEM_PORT, FRONTEND_PORT, frontendComponent, MAIN_CONTAINER, workerComponent } from "./dynamoComponents";
import { ApiGateway } from "./gateway";

export { DYNAMO_SYSTEM_PORT, FRONTEND_PORT, MIGRATION_LIMIT } from "./dynamoComponents";

/** Name of the DynamoGraphDeployment; the operator names its child objects after it. */
export const DYNAMO_GRAPH_NAME = "pd";

/**
 * `pulumi up` waits this long for the graph: the state the operator's own e2e helper polls for
 * (`status.state == successful`, DGDStateSuccessful); image pulls, the node's model download and
 * the workers' model load (their startup probe allows 30 minutes after the download) all fit.
 */
export const DYNAMO_GRAPH_READY = "jsonpath={.status.state}=successful";
export const DYNAMO_GRAPH_TIMEOUT_SECONDS = 4200;

/** Dynamo discovery backend (config dynamoDiscovery). */
export type DynamoDiscovery = "kubernetes" | "etcd";

/** The Dynamo graph: the shared graph arguments plus Dynamo's own. */
export interface DynamoGraphArgs extends GraphArgs {
    /** dynamo.frontend --router-mode: kv, round-robin or random. */
    readonly routerMode: string;
    /** How components find each other: the operator's Kubernetes discovery, or our etcd (the operator injects ETCD_ENDPOINTS). */
    readonly discovery: DynamoDiscovery;
    /** Image of the prefill and decode workers (the EFA variant with EFA). */
    readonly workerImage: string;
    /** Image of the frontend. */
    readonly frontendImage: string;
    /** HF_TOKEN from the hf-token Secret, given to the frontend only. @default none (public models) */
    readonly hfToken?: EnvVar;
}

/**
 * NVIDIA Dynamo 1.6 through its operator: one DynamoGraphDeployment with a frontend (KV-aware
 * router) and prefill and decode workers. The operator wires discovery, Services, probes it owns
 * and rollouts that keep worker generations apart; the graph uses our NATS JetStream as its
 * event plane (the operator injects NATS_SERVER from the platform's natsAddr).
 */
export class DynamoGraph extends pulumi.ComponentResource implements ServingGraph {
    public readonly endpoint: Endpoint;
    public readonly gateway: ApiGateway;
    public readonly frontendServiceName = "frontend";
    public readonly frontendPort = FRONTEND_PORT;
    public readonly metricsEndpoints: Record<string, string>;
    public readonly graph: k8s.apiextensions.CustomResource;
    public readonly resource: pulumi.Resource = this;
    /** dynamo.vllm passes vLLM's `vllm:` metrics through on the system port (register_engine_metrics_callback). */
    private readonly workerTargets = workerMetricsTargets("dynamo", {
        container: () => MAIN_CONTAINER,
        port: DYNAMO_SYSTEM_PORT,
        portName: "system",
    });
    public readonly workerMetrics: WorkerMetricsTarget[] = this.workerTargets.metrics;
    // The frontend serves /metrics on its HTTP port.
    public readonly scrapeTargets: readonly ScrapeTarget[] = [
        { name: "frontend", kind: "service", selector: graphLabels("dynamo", "frontend"), port: "http", role: "frontend" },
        ...this.workerTargets.scrape,
    ];

    constructor(name: string, args: DynamoGraphArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:DynamoGraph", name, {}, opts);
        const ns = args.namespace;
        const nixlBackend = args.efa ? "LIBFABRIC" : "UCX";
        const worker = (role: "prefill" | "decode", replicas: number) =>
            workerComponent({
                role,
                replicas,
                image: args.workerImage,
                engine: args.engine,
                resources: args.worker,
                nixlBackend,
                gpuDirectRdma: args.gpuDirectRdma,
                modelCache: args.modelCache,
                publishKvEvents: args.routerMode === "kv",
            });
        const annotations: Record<string, string> = {
            "pulumi.com/waitFor": DYNAMO_GRAPH_READY,
            "pulumi.com/timeoutSeconds": String(DYNAMO_GRAPH_TIMEOUT_SECONDS),
        };
        if (args.discovery === "etcd") {
            // Per-graph opt-in to etcd discovery (operator consts KubeAnnotationDynamoDiscoveryBackend).
            annotations["nvidia.com/dynamo-discovery-backend"] = "etcd";
        }
        this.graph = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "nvidia.com/v1beta1",
                kind: "DynamoGraphDeployment",
                metadata: { name: DYNAMO_GRAPH_NAME, namespace: ns, labels: graphLabels("dynamo", "graph"), annotations },
                spec: {
                    backendFramework: "vllm",
                    // Prepended to every component's env. The runtime's default event plane is ZMQ.
                    env: env({ DYN_EVENT_PLANE: "nats" }),
                    components: [
                        frontendComponent({
                            image: args.frontendImage,
                            replicas: args.frontendReplicas,
                            routerMode: args.routerMode,
                            blockSize: args.engine.blockSize,
                            hfToken: args.hfToken,
                        }),
                        worker("prefill", args.prefillReplicas),
                        worker("decode", args.decodeReplicas),
                    ],
                },
            },
            { parent: this },
        );

        workerDisruptionBudgets("dynamo", ns, this);
        const exposure = exposeFrontend(
            "frontend",
            {
                namespace: ns,
                labels: graphLabels("dynamo", "frontend"),
                replicas: args.frontendReplicas,
                ports: [{ name: "http", port: FRONTEND_PORT }],
                scheme: args.endpointScheme,
                allowedCidrs: args.endpointAllowedCidrs,
                certificateArn: args.endpointCertificateArn,
            },
            this,
        );
        this.endpoint = exposure.endpoint;
        this.gateway = exposure.gateway;
        this.metricsEndpoints = {
            frontend: serviceUrl("frontend", ns, FRONTEND_PORT, "/metrics"),
            prefill: `http://<prefill pod IP>:${DYNAMO_SYSTEM_PORT}/metrics`,
            decode: `http://<decode pod IP>:${DYNAMO_SYSTEM_PORT}/metrics`,
        };
        this.registerOutputs({ metricsEndpoints: this.metricsEndpoints });
    }
}
