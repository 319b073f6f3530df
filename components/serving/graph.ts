/**
 * What the two serving graphs (vllm-router and Dynamo) share: their arguments, their labels,
 * and the in-cluster Service, PodDisruptionBudget and public endpoint of their frontend.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Endpoint, EndpointScheme } from "./endpoint";
import { ModelCacheMount } from "../platform/modelCache";
import { EngineSettings, WorkerResources, WorkerRole } from "./worker";
import { ApiGateway, GATEWAY_HEALTH_PATH } from "./gateway";

/** What both serving graphs take. */
export interface GraphArgs {
    /** Namespace of the graph's pods and Services. */
    readonly namespace: string;
    /** Model and engine settings every prefill and decode worker runs with. */
    readonly engine: EngineSettings;
    /** Prefill worker pods. */
    readonly prefillReplicas: number;
    /** Decode worker pods. */
    readonly decodeReplicas: number;
    /** Replicas of the router/frontend. */
    readonly frontendReplicas: number;
    /** GPU, CPU, memory, EFA and huge pages of each worker pod. */
    readonly worker: WorkerResources;
    /** EFA devices are wired into worker pods (and NIXL uses LIBFABRIC where the image has it). */
    readonly efa: boolean;
    /** Whether the GPU instance supports GPUDirect RDMA over EFA. */
    readonly gpuDirectRdma: boolean;
    /** How workers mount the node-local model cache. */
    readonly modelCache: ModelCacheMount;
    /** Internal or internet-facing endpoint. */
    readonly endpointScheme: EndpointScheme;
    /** Client CIDRs the endpoint admits. */
    readonly endpointAllowedCidrs: pulumi.Input<string>[];
    /** ACM certificate ARN for TLS on the NLB; empty: plain HTTP. */
    readonly endpointCertificateArn: string;
}

/** What index.ts exports of a graph. */
export interface ServingGraph {
    endpoint: Endpoint;
    /** The API gateway in front of the frontend (its Service, its key). */
    gateway: ApiGateway;
    /** In-cluster Service of the frontend, for `kubectl port-forward`. */
    frontendServiceName: string;
    frontendPort: number;
    /** Prometheus scrape URLs, in-cluster. */
    metricsEndpoints: Record<string, string>;
    /** Where each role's workers expose vLLM's Prometheus metrics (the proof Jobs find the pods by selector). */
    workerMetrics: WorkerMetricsTarget[];
    /** The graph's component: whatever depends on it waits for every resource of the graph. */
    resource: pulumi.Resource;
    /** What Prometheus scrapes of this graph: monitoring builds a ServiceMonitor or PodMonitor per entry. */
    scrapeTargets?: readonly ScrapeTarget[];
}

/** One metrics endpoint of a graph, as the Services and pod templates the graph creates expose it. */
export interface ScrapeTarget {
    /** Short name, unique in the graph (the monitor's name). */
    readonly name: string;
    /** Scrape through a Service's endpoints (ServiceMonitor) or straight from pods (PodMonitor). */
    readonly kind: "service" | "pod";
    /** Labels the Service (kind service) or the pod template (kind pod) carries. */
    readonly selector: Record<string, string>;
    /** Port NAME on the Service (kind service) or on a container of the pod (kind pod). */
    readonly port: string;
    /** HTTP path of the metrics. @default "/metrics" */
    readonly path?: string;
    /** Value of the `role` label put on every scraped series (prefill, decode, router, frontend): dashboards group by it. */
    readonly role: string;
}

/** The pods of one worker role and the port and path of their vLLM metrics. */
export interface WorkerMetricsTarget {
    role: WorkerRole;
    /** Labels that select exactly this role's pods. */
    selector: Record<string, string>;
    /** Name of the worker container (whose log carries NIXL's backend line). */
    container: string;
    /** Port of the metrics. */
    port: number;
    /** HTTP path of the metrics. */
    path: string;
}

/** Where a graph's prefill and decode workers serve their metrics. */
export interface WorkerMetricsPort {
    /** Name of the worker container (a function of the role). */
    readonly container: (role: WorkerRole) => string;
    /** Container port number of the metrics. */
    readonly port: number;
    /** Name of that container port. */
    readonly portName: string;
}

/** The worker metrics targets (proof Jobs) and worker scrape targets (monitoring) of a graph, from one description. */
export function workerMetricsTargets(graph: string, where: WorkerMetricsPort): { metrics: WorkerMetricsTarget[]; scrape: ScrapeTarget[] } {
    const roles = ["prefill", "decode"] as const;
    return {
        metrics: roles.map((role) => ({
            role,
            selector: graphLabels(graph, role),
            container: where.container(role),
            port: where.port,
            path: "/metrics",
        })),
        scrape: roles.map((role) => ({ name: role, kind: "pod", selector: graphLabels(graph, role), port: where.portName, role })),
    };
}

/**
 * A PodDisruptionBudget per worker role: a node drain or a voluntary eviction takes one prefill
 * and one decode pod at a time, never a whole pool (with EFA each pool fills nodes of its own, so
 * draining one node is bounded by the pool's PDB, not silently emptied).
 */
export function workerDisruptionBudgets(graph: string, namespace: string, parent: pulumi.Resource): void {
    for (const role of ["prefill", "decode"] as const) {
        const labels = graphLabels(graph, role);
        new k8s.policy.v1.PodDisruptionBudget(
            `${graph}-${role}`,
            { metadata: { name: role, namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
            { parent },
        );
    }
}

/** Labels of a graph's pods: selectors use all of them. */
export function graphLabels(graph: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "pd-serving",
        "pd-serving/graph": graph,
    };
}

/** How a frontend is exposed: ClusterIP Service, PDB and endpoint. */
export interface FrontendExposureArgs {
    /** Namespace of the frontend. */
    readonly namespace: string;
    /** Labels of the frontend pods (the Services select all of them). */
    readonly labels: Record<string, string>;
    /** Replicas of the frontend (a PDB only with more than one). */
    readonly replicas: number;
    /** Named ports of the ClusterIP Service (targetPort is the name). */
    readonly ports: { name: string; port: number }[];
    /** Internal or internet-facing endpoint. */
    readonly scheme: EndpointScheme;
    /** Client CIDRs the endpoint admits. */
    readonly allowedCidrs: pulumi.Input<string>[];
    /** ACM certificate ARN for TLS on the NLB. @default none: plain HTTP */
    readonly certificateArn?: string;
}

/** What clients reach: the API gateway and the NLB in front of it. */
export interface FrontendExposure {
    /** The key-checking gateway in front of the frontend. */
    readonly gateway: ApiGateway;
    /** The NLB Service that targets the gateway's pods. */
    readonly endpoint: Endpoint;
}

/**
 * ClusterIP Service and PodDisruptionBudget of a frontend, the API gateway in front of it, and the
 * load-balanced endpoint, which targets the gateway's pods: no client reaches the router or
 * frontend (or its admin routes) without the key.
 */
export function exposeFrontend(name: string, args: FrontendExposureArgs, parent: pulumi.Resource): FrontendExposure {
    new k8s.core.v1.Service(
        name,
        {
            metadata: { name, namespace: args.namespace, labels: args.labels },
            spec: { selector: args.labels, ports: args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name })) },
        },
        { parent },
    );
    if (args.replicas > 1) {
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata: { name, namespace: args.namespace, labels: args.labels },
                spec: { maxUnavailable: 1, selector: { matchLabels: args.labels } },
            },
            { parent },
        );
    }
    const api = args.ports.find((p) => p.name === "http") ?? args.ports[0];
    // The frontend's graph labels, not its etcd/NATS client label: the gateway talks to the frontend only.
    const gatewayLabels = {
        "app.kubernetes.io/name": `${name}-gateway`,
        "app.kubernetes.io/component": "gateway",
        "app.kubernetes.io/part-of": args.labels["app.kubernetes.io/part-of"] ?? "pd-serving",
        ...(args.labels["pd-serving/graph"] ? { "pd-serving/graph": args.labels["pd-serving/graph"] } : {}),
    };
    const gateway = new ApiGateway(
        `${name}-gateway`,
        { namespace: args.namespace, upstreamService: name, upstreamPort: api.port, labels: gatewayLabels },
        { parent },
    );
    const endpoint = new Endpoint(
        `${name}-endpoint`,
        {
            namespace: args.namespace,
            selector: gatewayLabels,
            targetPort: "http",
            healthCheckPath: GATEWAY_HEALTH_PATH,
            scheme: args.scheme,
            allowedCidrs: args.allowedCidrs,
            certificateArn: args.certificateArn,
        },
        { parent },
    );
    return { gateway, endpoint };
}
