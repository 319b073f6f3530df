/**
 * Requests of the pods that run on the system node group, for the pre-flight check that a system
 * node holds them (stacks/validate/system.ts). tests/systemPods.test.ts compares this table with
 * the requests in the planned manifests, so it cannot drift from what the program deploys.
 */
import { DaemonSetRequests, NODE_MONITORING_AGENT_REQUESTS } from "./daemonSets";

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
    /** When it runs. */
    readonly when: "always" | "vllm-router" | "dynamo" | "dynamoInfra";
    /** Replicas spread one per node (anti-affinity or a topology spread of skew 1). */
    readonly spread: boolean;
}

export const SYSTEM_PODS: readonly SystemPod[] = [
    // components/serving/vllmRouterGraph.ts: router container 1 CPU / 1Gi.
    { name: "router", cpuMillis: 1000, memoryMiB: 1024, replicas: "frontend", when: "vllm-router", spread: true },
    // components/serving/dynamoGraph.ts: frontend 2 CPU / 4Gi (its init container runs before, not beside it).
    { name: "frontend", cpuMillis: 2000, memoryMiB: 4096, replicas: "frontend", when: "dynamo", spread: true },
    // components/serving/gateway.ts: nginx 250m / 128Mi, 2 replicas, spread only preferred.
    { name: "router-gateway", cpuMillis: 250, memoryMiB: 128, replicas: 2, when: "vllm-router", spread: false },
    { name: "frontend-gateway", cpuMillis: 250, memoryMiB: 128, replicas: 2, when: "dynamo", spread: false },
    // components/serving/proof/index.ts: the smoke-test Job (smokeTest, on by default), 250m / 512Mi.
    { name: "proof-smoke-test", cpuMillis: 250, memoryMiB: 512, replicas: 1, when: "always", spread: false },
    // components/platform/etcd.ts: 250m / 512Mi, one member per node (required anti-affinity).
    { name: "etcd", cpuMillis: 250, memoryMiB: 512, replicas: 3, when: "dynamoInfra", spread: true },
    // NATS chart values set no requests (components/platform/nats.ts); one server per node.
    { name: "nats", cpuMillis: 0, memoryMiB: 0, replicas: 3, when: "dynamoInfra", spread: true },
    // aws-load-balancer-controller chart v3.5.0 values.yaml: resources {} (no requests), 2 replicas.
    { name: "aws-load-balancer-controller", cpuMillis: 0, memoryMiB: 0, replicas: 2, when: "always", spread: false },
    // EKS add-on aws-ebs-csi-driver controller: 6 containers of 10m / 40Mi each, 2 replicas.
    { name: "ebs-csi-controller", cpuMillis: 60, memoryMiB: 240, replicas: 2, when: "always", spread: false },
    // EKS CoreDNS add-on deployment: 100m / 70Mi, 2 replicas.
    { name: "coredns", cpuMillis: 100, memoryMiB: 70, replicas: 2, when: "always", spread: false },
];

/**
 * DaemonSets on every system node, as on GPU nodes (./daemonSets.ts): aws-node 25m; kube-proxy
 * 100m; EBS CSI node 3 containers of 10m/40Mi; the node monitoring agent (its dcgm-server runs on
 * GPU instance types only).
 */
export const SYSTEM_NODE_DAEMONSETS: readonly DaemonSetRequests[] = [
    { name: "aws-node", cpuMillis: 25, memoryMiB: 0 },
    { name: "kube-proxy", cpuMillis: 100, memoryMiB: 0 },
    { name: "ebs-csi-node", cpuMillis: 30, memoryMiB: 120 },
    { name: "eks-node-monitoring-agent", ...NODE_MONITORING_AGENT_REQUESTS },
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
