/**
 * What the smoke test checks and against which targets, as the env of smoke.py (the script is
 * generic; every name and number it uses is set here).
 */
import { env, EnvVar } from "../../k8s/pod";
import { WorkerMetricsTarget } from "../graph";
import { ProofTarget } from "./benchmark";

/**
 * NIXL's Prometheus metrics as a decode worker exposes them. vLLM's NixlPromMetrics
 * (vllm/distributed/kv_transfer/kv_connector/v1/nixl/stats.py, since vllm PR #26811) registers the
 * histogram `vllm:nixl_xfer_time_seconds` and the counter `vllm:nixl_num_failed_transfers`;
 * prometheus_client exposes a histogram's count as `_count` and a counter as `_total`. Transfers
 * are recorded by the side that issues the NIXL read: decode.
 */
export const NIXL_XFER_COUNT_METRIC = "vllm:nixl_xfer_time_seconds_count";
export const NIXL_FAILED_TRANSFERS_METRIC = "vllm:nixl_num_failed_transfers_total";
/** NIXL's backend with EFA: ai-dynamo/nixl src/api/python/_api.py logs "Backend %s was instantiated". */
export const EFA_NIXL_BACKEND = "LIBFABRIC";
/** The long completion's prompt, in tokens: prefill runs on a prefill worker, its KV cache moves. */
export const MIN_PROMPT_TOKENS = 2000;
/** How long the script retries the endpoint (the Job's deadline leaves room for the image pull). */
export const READY_TIMEOUT_SECONDS = 2700;
/** One request's timeout: a first request after a cold start sets up NIXL's connections. */
export const REQUEST_TIMEOUT_SECONDS = 300;

/** What smoke.py checks, against what. */
export interface SmokeSettings {
    /** The endpoint under test. */
    readonly target: ProofTarget;
    /** Namespace of the worker pods. */
    readonly namespace: string;
    /** The graph's worker metrics targets (decode: NIXL counters; every role: the backend log line). */
    readonly workerMetrics: WorkerMetricsTarget[];
    /** EFA is on: require NIXL's LIBFABRIC backend in every worker's log. */
    readonly efa: boolean;
}

/** smoke.py's environment. */
export function smokeEnv(s: SmokeSettings): EnvVar[] {
    const decode = s.workerMetrics.filter((t) => t.role === "decode");
    if (decode.length === 0) {
        throw new Error("the smoke test needs the graph's decode metrics target (ServingGraph.workerMetrics)");
    }
    return env({
        BASE_URL: s.target.baseUrl,
        MODEL: s.target.model,
        NAMESPACE: s.namespace,
        DECODE_METRICS: JSON.stringify(decode),
        LOG_TARGETS: JSON.stringify(s.efa ? s.workerMetrics : []),
        XFER_COUNT_METRIC: NIXL_XFER_COUNT_METRIC,
        FAILED_TRANSFERS_METRIC: NIXL_FAILED_TRANSFERS_METRIC,
        REQUIRE_BACKEND: s.efa ? EFA_NIXL_BACKEND : "",
        MIN_PROMPT_TOKENS: String(MIN_PROMPT_TOKENS),
        READY_TIMEOUT_SECONDS: String(READY_TIMEOUT_SECONDS),
        REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS),
        PYTHONUNBUFFERED: "1",
        // The script never touches the Hugging Face hub.
        HF_HUB_OFFLINE: "1",
    });
}
