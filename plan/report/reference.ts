/**
 * Published numbers our runs are drawn beside (../shared/reference/upstream-2026-12.md section 4).
 * Llama-3.1-8B-Instruct, random dataset, `vllm bench serve`; TTFT and TPOT are means.
 */

/** One published point. */
export interface ReferencePoint {
    concurrency: number;
    outputThroughput: number;
    meanTtftMs?: number;
    meanTpotMs?: number;
}

/** A published series: one workload (input/output lengths) at several concurrencies. */
export interface ReferenceSeries {
    name: string;
    source: string;
    inputLen: number;
    outputLen: number;
    prompts: number;
    points: ReferencePoint[];
}

export const REFERENCE_SERIES: readonly ReferenceSeries[] = [
    {
        name: "seed README",
        source: "the seed README (run-benchmark.sh): 2,375 output tok/s at c16, TTFT 64 ms, TPOT 6.0 ms",
        inputLen: 2000,
        outputLen: 2000,
        prompts: 100,
        points: [{ concurrency: 16, outputThroughput: 2375, meanTtftMs: 64, meanTpotMs: 6.0 }],
    },
    {
        name: "vllm-router 8P+8D consistent_hash",
        source: "vllm-project/router scripts/k8s/llama3/llm-d/ROUTER_BENCHMARK_RESULTS.md (8 prefill + 8 decode, 1 GPU each)",
        inputLen: 1000,
        outputLen: 1000,
        prompts: 200,
        points: [
            { concurrency: 32, outputThroughput: 4752, meanTtftMs: 79, meanTpotMs: 5.95 },
            { concurrency: 64, outputThroughput: 6626 },
            { concurrency: 128, outputThroughput: 15221, meanTtftMs: 231, meanTpotMs: 7.15 },
            { concurrency: 256, outputThroughput: 8000 },
        ],
    },
];

/** Published gsm8k (5-shot) accuracy of the seed's setup. */
export interface ReferenceAccuracy {
    task: string;
    /** exact_match, flexible-extract filter: the seed's 0.775. */
    flexible: number;
    /** exact_match, strict-match filter. */
    strict: number;
    source: string;
}

export const REFERENCE_GSM8K: ReferenceAccuracy = {
    task: "gsm8k",
    flexible: 0.775,
    strict: 0.7036,
    source: "the seed README (gsm8k 0.775); vllm-project/router scripts/k8s/llama3.1_native/Results.md: flexible-extract 77.48% ± 1.15, strict-match 70.36%",
};

/** The reference series of a workload, if one was published. */
export function referenceFor(inputLen: number | undefined, outputLen: number | undefined): ReferenceSeries | undefined {
    return REFERENCE_SERIES.find((s) => s.inputLen === inputLen && s.outputLen === outputLen);
}
