/**
 * Requests of the DaemonSets on every GPU node: the pre-flight capacity check subtracts them from
 * the node's allocatable, and the components that run them request exactly these.
 */

/** CPU and memory a DaemonSet pod requests on each node it runs on. */
export interface DaemonSetRequests {
    /** DaemonSet name, as in the cluster. */
    readonly name: string;
    /** CPU request in millicores. */
    readonly cpuMillis: number;
    /** Memory request in MiB. */
    readonly memoryMiB: number;
    /** Runs only on EFA node groups. @default false */
    readonly efaOnly?: boolean;
    /** Runs only with `monitoring` on. @default false */
    readonly monitoringOnly?: boolean;
}

/** The model cache's download pod (components/platform/modelCache.ts). */
export const MODEL_CACHE_REQUESTS = { cpuMillis: 250, memoryMiB: 512 } as const;

/**
 * The NVIDIA DCGM exporter (components/platform/monitoring/dcgmExporter.ts): the dcgm-exporter
 * 4.8.2 chart's own default requests (values.yaml `resources.requests: {cpu: 100m, memory: 128Mi}`).
 */
export const DCGM_EXPORTER_REQUESTS = { cpuMillis: 100, memoryMiB: 128 } as const;

/** node-exporter of kube-prometheus-stack (its chart requests nothing; we set these). */
export const NODE_EXPORTER_REQUESTS = { cpuMillis: 50, memoryMiB: 64 } as const;

/**
 * The EKS node monitoring agent add-on (components/cloud/nodeMonitoringAgent.ts) on every node:
 * aws/eks-node-monitoring-agent tag v1.6.6 charts/eks-node-monitoring-agent/values.yaml
 * `nodeAgent.resources.requests: {cpu: 10m, memory: 30Mi}`, which our configurationValues repeat.
 */
export const NODE_MONITORING_AGENT_REQUESTS = { cpuMillis: 10, memoryMiB: 30 } as const;

/**
 * The add-on's `dcgm-server` DaemonSet (nv-hostengine), on NVIDIA GPU instance types only (its
 * affinity lists them): the same values.yaml has `dcgmAgent.resources: {}`, no requests.
 */
export const DCGM_SERVER_REQUESTS = { cpuMillis: 0, memoryMiB: 0 } as const;

/**
 * EKS's own DaemonSets (aws-node 25m; kube-proxy 100m; EBS CSI node, three containers of
 * 10m/40Mi; the node monitoring agent and its dcgm-server) and this program's (model cache
 * download, EFA device plugin 10m/20Mi; the NVIDIA device plugin requests nothing); with
 * monitoring, the DCGM exporter and node-exporter.
 */
export const GPU_NODE_DAEMONSETS: readonly DaemonSetRequests[] = [
    { name: "aws-node", cpuMillis: 25, memoryMiB: 0 },
    { name: "kube-proxy", cpuMillis: 100, memoryMiB: 0 },
    { name: "ebs-csi-node", cpuMillis: 30, memoryMiB: 120 },
    { name: "eks-node-monitoring-agent", ...NODE_MONITORING_AGENT_REQUESTS },
    { name: "dcgm-server", ...DCGM_SERVER_REQUESTS },
    { name: "model-cache", cpuMillis: MODEL_CACHE_REQUESTS.cpuMillis, memoryMiB: MODEL_CACHE_REQUESTS.memoryMiB },
    { name: "aws-efa-k8s-device-plugin", cpuMillis: 10, memoryMiB: 20, efaOnly: true },
    { name: "dcgm-exporter", ...DCGM_EXPORTER_REQUESTS, monitoringOnly: true },
    { name: "monitoring-prometheus-node-exporter", ...NODE_EXPORTER_REQUESTS, monitoringOnly: true },
];
