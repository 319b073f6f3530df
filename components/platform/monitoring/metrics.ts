/**
 * Every metric family the dashboards and alert rules query, with the exporter that serves it and
 * the source naming it for the pinned version. Tests check that each query names only these.
 */

/** Prometheus metric types the catalogue uses. */
export type MetricType = "counter" | "gauge" | "histogram";

/** Who exposes a family. */
export type Exporter = "vllm" | "vllm-router" | "dynamo" | "dcgm" | "kube-state-metrics" | "node-exporter" | "prometheus";

/** One metric family. */
export interface MetricFamily {
    /** Name as exposed: counters with `_total`, histograms without `_bucket`/`_sum`/`_count`. */
    readonly name: string;
    readonly type: MetricType;
    readonly exporter: Exporter;
}

/** Where each exporter's names come from (README "Monitoring: dashboards and alerts" repeats it). */
export const METRIC_SOURCES: Record<Exporter, string> = {
    vllm:
        "vLLM metrics docs (docs.vllm.ai/en/latest/usage/metrics, 2026-05, vLLM 0.2x) and NixlPromMetrics in " +
        "vllm/distributed/kv_transfer/kv_connector/v1/nixl/stats.py; vllm:time_per_output_token_seconds was removed by vllm PR #32661",
    "vllm-router": "vllm-project/router src/metrics.rs @02b9331f (~0.1.15), served on --prometheus-port 29000",
    dynamo: "Dynamo metrics catalog (docs metrics-catalog.mdx 724168c0): dynamo_frontend_* on the frontend's HTTP port",
    dcgm: "dcgm-exporter chart 4.8.2 templates/metrics-configmap.yaml (the default counters), tag 4.5.3-4.8.2",
    "kube-state-metrics": "kube-state-metrics 2.20.0 (chart 8.4.0) docs/metrics/workload/pod-metrics.md",
    "node-exporter": "node_exporter 1.12.1 (chart 4.56.1) netdev collector",
    prometheus: "Prometheus: the synthetic `up` series of every scrape target",
};

function families(exporter: Exporter, list: Record<string, MetricType>): MetricFamily[] {
    return Object.entries(list).map(([name, type]) => ({ name, type, exporter }));
}

export const METRIC_FAMILIES: readonly MetricFamily[] = [
    ...families("vllm", {
        "vllm:request_success_total": "counter",
        "vllm:prompt_tokens_total": "counter",
        "vllm:generation_tokens_total": "counter",
        "vllm:time_to_first_token_seconds": "histogram",
        "vllm:inter_token_latency_seconds": "histogram",
        "vllm:request_time_per_output_token_seconds": "histogram",
        "vllm:e2e_request_latency_seconds": "histogram",
        "vllm:num_requests_running": "gauge",
        "vllm:num_requests_waiting": "gauge",
        "vllm:kv_cache_usage_perc": "gauge",
        "vllm:prefix_cache_queries_total": "counter",
        "vllm:prefix_cache_hits_total": "counter",
        "vllm:nixl_xfer_time_seconds": "histogram",
        "vllm:nixl_bytes_transferred": "histogram",
        "vllm:nixl_num_failed_transfers_total": "counter",
        "vllm:nixl_num_failed_notifications_total": "counter",
        "vllm:nixl_num_kv_expired_reqs_total": "counter",
    }),
    ...families("vllm-router", {
        vllm_router_requests_total: "counter",
        vllm_router_pd_request_duration_seconds: "histogram",
        vllm_router_pd_errors_total: "counter",
        vllm_router_worker_health: "gauge",
        vllm_router_active_workers: "gauge",
    }),
    ...families("dynamo", {
        dynamo_frontend_requests_total: "counter",
        dynamo_frontend_output_tokens_total: "counter",
        dynamo_frontend_time_to_first_token_seconds: "histogram",
        dynamo_frontend_inter_token_latency_seconds: "histogram",
        dynamo_frontend_inflight_requests: "gauge",
        dynamo_frontend_queued_requests: "gauge",
    }),
    ...families("dcgm", {
        DCGM_FI_DEV_GPU_UTIL: "gauge",
        DCGM_FI_PROF_PIPE_TENSOR_ACTIVE: "gauge",
        DCGM_FI_DEV_FB_USED: "gauge",
        DCGM_FI_DEV_FB_FREE: "gauge",
        DCGM_FI_DEV_POWER_USAGE: "gauge",
        DCGM_FI_DEV_GPU_TEMP: "gauge",
        DCGM_FI_DEV_MEMORY_TEMP: "gauge",
        DCGM_FI_DEV_XID_ERRORS: "gauge",
        DCGM_FI_PROF_PCIE_TX_BYTES: "gauge",
        DCGM_FI_PROF_PCIE_RX_BYTES: "gauge",
        DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL: "counter",
    }),
    ...families("kube-state-metrics", { kube_pod_status_ready: "gauge" }),
    ...families("node-exporter", { node_network_receive_bytes_total: "counter", node_network_transmit_bytes_total: "counter" }),
    ...families("prometheus", { up: "gauge" }),
];

const HISTOGRAM_SERIES = ["_bucket", "_sum", "_count"];

/** The family a series name belongs to (`x_bucket` -> histogram x), or undefined. */
export function familyOf(series: string): MetricFamily | undefined {
    const exact = METRIC_FAMILIES.find((f) => f.name === series && f.type !== "histogram");
    if (exact) {
        return exact;
    }
    return METRIC_FAMILIES.find((f) => f.type === "histogram" && HISTOGRAM_SERIES.some((suffix) => series === f.name + suffix));
}
