/**
 * "P/D serving": traffic, latency, queues, KV cache and KV transfer of the prefill and decode
 * workers, per role (the `role` label the monitors add) and per pod, plus the router or frontend.
 * Metric names: ../metrics.ts.
 */
import { dashboard, DashboardJson, quantiles } from "./panels";

const RATE = "[$__rate_interval]";

export function servingDashboard(): DashboardJson {
    return dashboard({
        uid: "pd-serving",
        title: "P/D serving",
        description:
            "Prefill/decode disaggregated serving: requests, tokens, TTFT/ITL/TPOT, queues, KV-cache and prefix-cache use per role, NIXL KV transfers per pod.",
        rows: [
            {
                title: "Traffic",
                panels: [
                    {
                        title: "Requests/s",
                        description: "Finished requests per second on each role's engines, and requests the router or frontend received.",
                        unit: "reqps",
                        queries: [
                            { expr: `sum by (role) (rate(vllm:request_success_total${RATE}))`, legend: "{{role}} engines" },
                            { expr: `sum(rate(vllm_router_requests_total${RATE}))`, legend: "vllm-router" },
                            { expr: `sum(rate(dynamo_frontend_requests_total${RATE}))`, legend: "Dynamo frontend" },
                        ],
                    },
                    {
                        title: "Output tokens/s",
                        description: "Generated tokens per second: decode does the generating; prefill emits one token per request.",
                        unit: "short",
                        queries: [
                            { expr: `sum by (role) (rate(vllm:generation_tokens_total${RATE}))`, legend: "{{role}}" },
                            { expr: `sum(rate(dynamo_frontend_output_tokens_total${RATE}))`, legend: "Dynamo frontend" },
                        ],
                    },
                    {
                        title: "Prompt tokens/s",
                        description: "Prompt tokens per second the engines took in (prefill computes them; decode receives their KV).",
                        unit: "short",
                        queries: [{ expr: `sum by (role) (rate(vllm:prompt_tokens_total${RATE}))`, legend: "{{role}}" }],
                    },
                ],
            },
            {
                title: "Latency",
                panels: [
                    {
                        title: "Time to first token",
                        description:
                            "Engine TTFT per role (prefill: the prompt's compute; decode: from its request to its first token, KV pull included) and the Dynamo frontend's end-to-end TTFT.",
                        unit: "s",
                        queries: [
                            ...quantiles("vllm:time_to_first_token_seconds", "role", "{{role}}"),
                            ...quantiles("dynamo_frontend_time_to_first_token_seconds", "job", "frontend"),
                        ],
                    },
                    {
                        title: "Inter-token latency",
                        description: "Time between output tokens on decode (vLLM ITL), and the Dynamo frontend's ITL.",
                        unit: "s",
                        queries: [
                            ...quantiles("vllm:inter_token_latency_seconds", "role", "{{role}}", '{role="decode"}'),
                            ...quantiles("dynamo_frontend_inter_token_latency_seconds", "job", "frontend"),
                        ],
                    },
                    {
                        title: "Time per output token (per request)",
                        description:
                            "Each request's decode time divided by its output tokens (vllm:request_time_per_output_token_seconds).",
                        unit: "s",
                        queries: quantiles("vllm:request_time_per_output_token_seconds", "role", "{{role}}", '{role="decode"}'),
                    },
                    {
                        title: "Router P/D request duration",
                        description: "vllm-router's end-to-end time of a P/D request: prefill, KV handover and the whole decode.",
                        unit: "s",
                        queries: quantiles("vllm_router_pd_request_duration_seconds", "job", "router"),
                    },
                    {
                        title: "End-to-end request latency",
                        description: "The engines' own end-to-end latency per role.",
                        unit: "s",
                        queries: quantiles("vllm:e2e_request_latency_seconds", "role", "{{role}}"),
                    },
                ],
            },
            {
                title: "Queues and KV cache",
                panels: [
                    {
                        title: "Running and waiting requests",
                        description: "Requests in the engines' batches and in their queues, per role.",
                        unit: "short",
                        queries: [
                            { expr: "sum by (role) (vllm:num_requests_running)", legend: "running {{role}}" },
                            { expr: "sum by (role) (vllm:num_requests_waiting)", legend: "waiting {{role}}" },
                        ],
                    },
                    {
                        title: "Queue depth per pod",
                        description: "Waiting requests per engine pod, and requests queued or in flight at the Dynamo frontend.",
                        unit: "short",
                        queries: [
                            { expr: "max by (role, pod) (vllm:num_requests_waiting)", legend: "{{role}} {{pod}}" },
                            { expr: "sum(dynamo_frontend_queued_requests)", legend: "frontend queued" },
                            { expr: "sum(dynamo_frontend_inflight_requests)", legend: "frontend in flight" },
                        ],
                    },
                    {
                        title: "KV-cache usage per pod",
                        description: "Share of each engine's KV-cache blocks in use (1 = full: new requests wait or preempt).",
                        unit: "percentunit",
                        queries: [{ expr: "max by (role, pod) (vllm:kv_cache_usage_perc)", legend: "{{role}} {{pod}}" }],
                    },
                    {
                        title: "Prefix-cache hit rate per role",
                        description: "Prompt tokens found in the prefix cache over tokens looked up.",
                        unit: "percentunit",
                        queries: [
                            {
                                expr: `sum by (role) (rate(vllm:prefix_cache_hits_total${RATE})) / sum by (role) (rate(vllm:prefix_cache_queries_total${RATE}))`,
                                legend: "{{role}}",
                            },
                        ],
                    },
                ],
            },
            {
                title: "KV transfer (NIXL)",
                panels: [
                    {
                        title: "KV transfer time",
                        description: "Duration of NIXL KV-cache transfers per role (recorded by decode, which reads from prefill).",
                        unit: "s",
                        queries: quantiles("vllm:nixl_xfer_time_seconds", "role", "{{role}}"),
                    },
                    {
                        title: "Mean KV transfer time per pod",
                        description: "Average NIXL transfer duration on each pod.",
                        unit: "s",
                        queries: [
                            {
                                expr: `sum by (role, pod) (rate(vllm:nixl_xfer_time_seconds_sum${RATE})) / sum by (role, pod) (rate(vllm:nixl_xfer_time_seconds_count${RATE}))`,
                                legend: "{{role}} {{pod}}",
                            },
                        ],
                    },
                    {
                        title: "KV bytes transferred per pod",
                        description: "Bytes per second NIXL moved for each pod.",
                        unit: "Bps",
                        queries: [
                            { expr: `sum by (role, pod) (rate(vllm:nixl_bytes_transferred_sum${RATE}))`, legend: "{{role}} {{pod}}" },
                        ],
                    },
                    {
                        title: "KV transfers per second per pod",
                        description: "NIXL transfers per second: zero under load means decode is not receiving KV from prefill.",
                        unit: "short",
                        queries: [
                            { expr: `sum by (role, pod) (rate(vllm:nixl_xfer_time_seconds_count${RATE}))`, legend: "{{role}} {{pod}}" },
                        ],
                    },
                    {
                        title: "KV transfer failures per pod",
                        description: "Failed NIXL transfers and notifications, and KV blocks prefill freed unread (expired).",
                        unit: "short",
                        queries: [
                            {
                                expr: `sum by (role, pod) (increase(vllm:nixl_num_failed_transfers_total${RATE}))`,
                                legend: "failed {{pod}}",
                            },
                            {
                                expr: `sum by (role, pod) (increase(vllm:nixl_num_failed_notifications_total${RATE}))`,
                                legend: "failed notifications {{pod}}",
                            },
                            {
                                expr: `sum by (role, pod) (increase(vllm:nixl_num_kv_expired_reqs_total${RATE}))`,
                                legend: "expired {{pod}}",
                            },
                        ],
                    },
                ],
            },
            {
                title: "Router",
                panels: [
                    {
                        title: "Worker health (vllm-router)",
                        description: "1 per healthy worker URL as the router sees it; the number of workers it routes to.",
                        unit: "short",
                        queries: [
                            { expr: "max by (worker) (vllm_router_worker_health)", legend: "{{worker}}" },
                            { expr: "max(vllm_router_active_workers)", legend: "active workers" },
                        ],
                    },
                    {
                        title: "Router P/D errors",
                        description: "vllm-router P/D errors per second by type.",
                        unit: "short",
                        queries: [{ expr: `sum by (error_type) (rate(vllm_router_pd_errors_total${RATE}))`, legend: "{{error_type}}" }],
                    },
                ],
            },
        ],
    });
}
