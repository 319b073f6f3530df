/**
 * Node labels, pools and the GPU taint: the vocabulary the cloud layer puts on nodes and every
 * workload selects or tolerates. One place, so a pool rename cannot leave a selector behind.
 */

/** Label every node of this program carries, naming its node group's pool. */
export const NODE_POOL_LABEL = "pd-serving/node-pool";
/** Pool of the system (CPU) node group: controllers, routers, etcd, NATS. */
export const SYSTEM_POOL = "system";
/** Pool of the GPU node group: prefill and decode workers, GPU DaemonSets. */
export const GPU_POOL = "gpu";
/** Label on GPU nodes whose EFA interfaces are wired ("true"). */
export const EFA_LABEL = "pd-serving/efa";
/** Tag of the GPU node group: how many of its nodes are spare (config spareGpuNodes); the plan summary reads it. */
export const SPARE_GPU_NODES_TAG = "pd-serving/spare-gpu-nodes";
/** Taint of GPU nodes: only pods that tolerate it (GPU workloads, GPU DaemonSets) land there. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;

/** The namespace of the cluster add-ons (device plugins, CoreDNS). */
export const KUBE_SYSTEM = "kube-system";
