/**
 * The benchmark Job's script: `vllm bench serve` at the seed's point, the published 8P+8D table's
 * points and a long-input point, each saved with --save-result, then uploaded to the results
 * bucket. Flags: vllm/benchmarks/serve.py add_cli_args (../shared/reference/flags/
 * vllm-bench-serve@0.31.x.json; every flag used here is also in the 0.13.x list).
 */
import { RESULTS_MOUNT, SCRIPTS_MOUNT, shellLine } from "./job";

/** Which published series a point reproduces. */
export type BenchSeries = "seed" | "pd-table" | "long-input";

/** One `vllm bench serve` run: random prompts of fixed lengths at one concurrency. */
export interface BenchPoint {
    readonly series: BenchSeries;
    readonly inputLen: number;
    readonly outputLen: number;
    readonly prompts: number;
    readonly concurrency: number;
}

const point = (series: BenchSeries, inputLen: number, outputLen: number, prompts: number, concurrency: number): BenchPoint => ({
    series,
    inputLen,
    outputLen,
    prompts,
    concurrency,
});

/**
 * The seed README's run-benchmark.sh (random 2000/2000, 100 prompts, c16); vllm-project/router
 * scripts/k8s/llama3/llm-d/ROUTER_BENCHMARK_RESULTS.md (1000/1000, 200 prompts, c32..c256); and
 * 8000 in / 250 out, where prefill dominates and P/D differs from aggregated serving.
 */
export const BENCH_POINTS: readonly BenchPoint[] = [
    point("seed", 2000, 2000, 100, 16),
    ...[32, 64, 128, 256].map((c) => point("pd-table", 1000, 1000, 200, c)),
    point("long-input", 8000, 250, 200, 32),
];

/** Percentiles in the result files: p50/p90/p99 of TTFT, TPOT, ITL and end-to-end latency. */
export const PERCENTILE_METRICS = "ttft,tpot,itl,e2el";
export const METRIC_PERCENTILES = "50,90,99";
/** The benchmark waits this long for the endpoint to answer before the first point (on-demand runs). */
export const READY_CHECK_TIMEOUT_SECONDS = 600;
/** Where the result files are written in the pod, and their folder in the bucket. */
export const BENCH_RESULTS_DIR = `${RESULTS_MOUNT}/benchmark`;

/** The in-cluster endpoint the proof Jobs send requests to. */
export interface ProofTarget {
    /** `http://<frontend Service>.<ns>.svc.cluster.local:<port>`: the Service the endpoint uses. */
    readonly baseUrl: string;
    readonly model: string;
    /** Graph name, stamped into each result file (`--label`, `--metadata graph=`). */
    readonly graph: string;
}

/** `bench-<series>-in<I>-out<O>-c<C>.json`: the report also reads the lengths back from it. */
export function benchResultFilename(p: BenchPoint): string {
    return `bench-${p.series}-in${p.inputLen}-out${p.outputLen}-c${p.concurrency}.json`;
}

/** argv of one `vllm bench serve` run. The API key, if any, travels as OPENAI_API_KEY (serve.py _get_headers). */
export function benchServeArgv(target: ProofTarget, p: BenchPoint): string[] {
    return [
        "vllm",
        "bench",
        "serve",
        "--backend",
        "openai",
        "--base-url",
        target.baseUrl,
        "--endpoint",
        "/v1/completions",
        // Explicit: with an API key, serve.py's /v1/models look-up would go unauthenticated.
        "--model",
        target.model,
        "--served-model-name",
        target.model,
        "--dataset-name",
        "random",
        "--random-input-len",
        String(p.inputLen),
        "--random-output-len",
        String(p.outputLen),
        "--num-prompts",
        String(p.prompts),
        "--max-concurrency",
        String(p.concurrency),
        "--ignore-eos",
        "--temperature",
        "0",
        "--percentile-metrics",
        PERCENTILE_METRICS,
        "--metric-percentiles",
        METRIC_PERCENTILES,
        "--ready-check-timeout-sec",
        String(READY_CHECK_TIMEOUT_SECONDS),
        "--label",
        target.graph,
        "--metadata",
        `graph=${target.graph}`,
        `series=${p.series}`,
        `random_input_len=${p.inputLen}`,
        `random_output_len=${p.outputLen}`,
        "--save-result",
        "--result-dir",
        BENCH_RESULTS_DIR,
        "--result-filename",
        benchResultFilename(p),
    ];
}

/** boto3 for upload.py, pinned (PyPI lists boto3 1.44.5, 2026-11). */
export const BOTO3_REQUIREMENT = "boto3==1.44.5";

/**
 * Upload of RESULTS_MOUNT to `<graph>/<UTC run id>/` in the bucket; the caller's script sets RUN_ID.
 * `pip install` of boto3 into the vLLM image at run time: no pinned image with boto3 and the AWS
 * CLI exists in this project.
 */
export function uploadLines(): string[] {
    return [
        shellLine(["python3", "-m", "pip", "install", "--quiet", "--no-cache-dir", BOTO3_REQUIREMENT]),
        `python3 ${SCRIPTS_MOUNT}/upload.py ${RESULTS_MOUNT} "$GRAPH/$RUN_ID" || status=1`,
    ];
}

/**
 * The benchmark Job's bash script: every point in turn (one failing point does not stop the
 * others), then the upload; exits 1 if any point or the upload failed.
 */
export function benchmarkScript(target: ProofTarget, points: readonly BenchPoint[] = BENCH_POINTS): string {
    return [
        "set -u",
        'RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"',
        "status=0",
        ...points.map((p) => `${shellLine(benchServeArgv(target, p))} || { echo "FAILED: ${benchResultFilename(p)}"; status=1; }`),
        ...uploadLines(),
        'exit "$status"',
    ].join("\n");
}
