/**
 * Requests of the pods that run on the system node group, for the pre-flight check that a system
 * node holds them (stacks/validate/system.ts). tests/systemPods.test.ts compares this table with
 * the requests in the planned manifests, so it cannot drift from what the program deploys.
 */
import { DaemonSetRequests, NODE_EXPORTER_REQUESTS, NODE_MONITORING_AGENT_REQUESTS } from "./daemonSets";
import { MONITORING_FOOTPRINTS } from "../schema";

/** A monitoringFootprint value. */
export type Footprint = (typeof MONITORING_FOOTPRINTS)[number];

/** CPU (millicores) and memory (MiB) one pod requests. */
export interface PodRequests {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
}

/**
 * Prometheus's container per monitoringFootprint (components/platform/monitoring/footprint.ts
 * sets these as prometheusSpec.resources.requests); its config-reloader sidecar requests nothing:
 * kube-prometheus-stack 88.5.3 passes `--config-reloader-cpu-request=0` and
 * `--config-reloader-memory-request=0` to the operator while
 * `prometheusOperator.prometheusConfigReloader.resources` is `{}`, its default
 * (templates/prometheus-operator/deployment.yaml, values.yaml @ea930bae).
 */
export const PROMETHEUS_REQUESTS: Readonly<Record<Footprint, PodRequests>> = {
    standard: { cpuMillis: 500, memoryMiB: 2048 },
    small: { cpuMillis: 200, memoryMiB: 1024 },
};
/** Alertmanager's container (alertmanagerSpec.resources, ours); its config-reloader as Prometheus's. */
export const ALERTMANAGER_REQUESTS: PodRequests = { cpuMillis: 50, memoryMiB: 128 };
/**
 * Grafana's container (grafana.resources, ours); its dashboard and datasource sidecars request
 * nothing (grafana chart 12.11.1 values.yaml `sidecar.resources: {}`, grafana-community/helm-charts
 * tag grafana-12.11.1 @864f7794).
 */
export const GRAFANA_REQUESTS: PodRequests = { cpuMillis: 100, memoryMiB: 256 };
/**
 * The Dynamo operator's controller-manager pod, with the chart's own requests (we set none):
 * `manager` 512m/1Gi plus `kube-rbac-proxy` 5m/64Mi, 1 replica (ai-dynamo/dynamo
 * deploy/helm/charts/platform/components/operator/values.yaml and templates/deployment.yaml
 * @05da1f97, the revision components/platform/dynamoPlatform.ts cites for chart 1.6.0's values).
 */
export const DYNAMO_OPERATOR_REQUESTS: PodRequests = { cpuMillis: 512 + 5, memoryMiB: 1024 + 64 };

/** CPU and memory one pod of a system workload requests. */
export interface SystemPod {
    /** Workload name. */
    readonly name: string;
    /** CPU request of one pod (all containers), millicores. */
    readonly cpuMillis: number;
    /** Memory request of one pod (all containers), MiB. */
    readonly memoryMiB: number;
    /** Replicas; "frontend" = frontendReplicas. */
    readonly replicas: number | "frontend";
    /**
     * When it runs: always; with a graph; with the Dynamo infrastructure (graph dynamo or
     * dynamoInfra); with etcd (that infrastructure and dynamoDiscovery=etcd); with monitoring.
     */
    readonly when: "always" | "vllm-router" | "dynamo" | "dynamoInfra" | "etcd" | "monitoring";
    /** With monitoring: only at this monitoringFootprint. @default every footprint */
    readonly footprint?: Footprint;
    /**
     * Pinned one per node by a hard constraint (required anti-affinity, or a topology spread of
     * skew 1 with DoNotSchedule): a replica may have to go on one particular node. Preferred
     * spreading (ScheduleAnyway) does not pin: such a pod goes wherever there is room.
     */
    readonly spread: boolean;
}

export const SYSTEM_PODS: readonly SystemPod[] = [
    // components/serving/vllmRouterGraph.ts: router container 1 CPU / 1Gi; spread ScheduleAnyway.
    { name: "router", cpuMillis: 1000, memoryMiB: 1024, replicas: "frontend", when: "vllm-router", spread: false },
    // components/serving/dynamoGraph.ts: frontend 2 CPU / 4Gi (its init container runs before, not
    // beside it); spread ScheduleAnyway (dynamoComponents.ts).
    { name: "frontend", cpuMillis: 2000, memoryMiB: 4096, replicas: "frontend", when: "dynamo", spread: false },
    // components/serving/gateway.ts: nginx 250m / 128Mi, 2 replicas, spread only preferred.
    { name: "router-gateway", cpuMillis: 250, memoryMiB: 128, replicas: 2, when: "vllm-router", spread: false },
    { name: "frontend-gateway", cpuMillis: 250, memoryMiB: 128, replicas: 2, when: "dynamo", spread: false },
    // components/serving/proof/index.ts: the smoke-test Job (smokeTest, on by default), 250m / 512Mi.
    { name: "proof-smoke-test", cpuMillis: 250, memoryMiB: 512, replicas: 1, when: "always", spread: false },
    // components/platform/etcd.ts: 250m / 512Mi, one member per node (required anti-affinity).
    { name: "etcd", cpuMillis: 250, memoryMiB: 512, replicas: 3, when: "etcd", spread: true },
    // NATS chart values set no requests (components/platform/nats.ts); one server per node
    // (topology spread, DoNotSchedule).
    { name: "nats", cpuMillis: 0, memoryMiB: 0, replicas: 3, when: "dynamoInfra", spread: true },
    // aws-load-balancer-controller chart v3.5.0 values.yaml: resources {} (no requests), 2 replicas.
    { name: "aws-load-balancer-controller", cpuMillis: 0, memoryMiB: 0, replicas: 2, when: "always", spread: false },
    // EKS add-on aws-ebs-csi-driver controller: 6 containers of 10m / 40Mi each, 2 replicas.
    { name: "ebs-csi-controller", cpuMillis: 60, memoryMiB: 240, replicas: 2, when: "always", spread: false },
    // EKS CoreDNS add-on deployment: 100m / 70Mi, 2 replicas.
    { name: "coredns", cpuMillis: 100, memoryMiB: 70, replicas: 2, when: "always", spread: false },
    // components/platform/dynamoPlatform.ts: the operator (dynamo-platform 1.6.0), its chart's requests.
    { name: "dynamo-operator", ...DYNAMO_OPERATOR_REQUESTS, replicas: 1, when: "dynamoInfra", spread: false },
    // kube-prometheus-stack 88.5.3 (components/platform/monitoring), 1 replica each: Prometheus
    // at the footprint's requests, Alertmanager, Grafana; the operator (values.yaml
    // `prometheusOperator.resources: {}`) and kube-state-metrics (its 8.4.0 subchart's values.yaml
    // `resources: {}`) request nothing, nor does the admission-webhook patch Job (install time only).
    ...(Object.keys(PROMETHEUS_REQUESTS) as Footprint[]).map((footprint): SystemPod => ({
        name: "prometheus",
        ...PROMETHEUS_REQUESTS[footprint],
        replicas: 1,
        when: "monitoring",
        footprint,
        spread: false,
    })),
    { name: "alertmanager", ...ALERTMANAGER_REQUESTS, replicas: 1, when: "monitoring", spread: false },
    { name: "grafana", ...GRAFANA_REQUESTS, replicas: 1, when: "monitoring", spread: false },
    { name: "prometheus-operator", cpuMillis: 0, memoryMiB: 0, replicas: 1, when: "monitoring", spread: false },
    { name: "kube-state-metrics", cpuMillis: 0, memoryMiB: 0, replicas: 1, when: "monitoring", spread: false },
];

/**
 * DaemonSets on every system node, as on GPU nodes (./daemonSets.ts): aws-node 25m; kube-proxy
 * 100m; EBS CSI node 3 containers of 10m/40Mi; the node monitoring agent (its dcgm-server runs on
 * GPU instance types only); with monitoring, node-exporter.
 */
export const SYSTEM_NODE_DAEMONSETS: readonly DaemonSetRequests[] = [
    { name: "aws-node", cpuMillis: 25, memoryMiB: 0 },
    { name: "kube-proxy", cpuMillis: 100, memoryMiB: 0 },
    { name: "ebs-csi-node", cpuMillis: 30, memoryMiB: 120 },
    { name: "eks-node-monitoring-agent", ...NODE_MONITORING_AGENT_REQUESTS },
    { name: "monitoring-prometheus-node-exporter", ...NODE_EXPORTER_REQUESTS, monitoringOnly: true },
];

/**
 * Pods per system node as the VPC CNI's eni-max-pods table gives them for m5/m6i/m7i sizes
 * (large 29, xlarge 58, 2xlarge 58, 4xlarge 234): the kubelet reserves 11 MiB of memory per pod.
 */
export function systemMaxPods(vcpu: number): number {
    if (vcpu <= 2) {
        return 29;
    }
    return vcpu <= 8 ? 58 : 234;
}
