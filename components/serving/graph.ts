/**
 * What the two serving graphs (vllm-router and Dynamo) share: their arguments, their labels,
 * and the in-cluster Service, PodDisruptionBudget and public endpoint of their frontend.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Endpoint, EndpointScheme } from "./endpoint";
import { ModelCacheMount } from "../platform/modelCache";
import { EngineSettings, WorkerResources } from "./worker";

export interface GraphArgs {
    readonly namespace: string;
    readonly engine: EngineSettings;
    readonly prefillReplicas: number;
    readonly decodeReplicas: number;
    readonly frontendReplicas: number;
    readonly worker: WorkerResources;
    /** EFA devices are wired into worker pods (and NIXL uses LIBFABRIC where the image has it). */
    readonly efa: boolean;
    readonly gpuDirectRdma: boolean;
    readonly modelCache: ModelCacheMount;
    readonly endpointScheme: EndpointScheme;
    readonly endpointAllowedCidrs: string[];
}

/** What index.ts exports of a graph. */
export interface ServingGraph {
    endpoint: Endpoint;
    /** In-cluster Service of the frontend, for `kubectl port-forward`. */
    frontendServiceName: string;
    frontendPort: number;
    /** Prometheus scrape URLs, in-cluster. */
    metricsEndpoints: Record<string, string>;
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

/** Labels of a graph's pods: selectors use all of them. */
export function graphLabels(graph: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "pd-serving",
        "pd-serving/graph": graph,
    };
}

export interface FrontendExposureArgs {
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly replicas: number;
    readonly ports: { name: string; port: number }[];
    readonly scheme: EndpointScheme;
    readonly allowedCidrs: string[];
}

/** ClusterIP Service, PodDisruptionBudget and load-balanced endpoint of a frontend. */
export function exposeFrontend(name: string, args: FrontendExposureArgs, parent: pulumi.Resource): Endpoint {
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
    return new Endpoint(
        `${name}-endpoint`,
        {
            namespace: args.namespace,
            selector: args.labels,
            targetPort: "http",
            scheme: args.scheme,
            allowedCidrs: args.allowedCidrs,
        },
        { parent },
    );
}
