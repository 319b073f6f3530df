/**
 * Sizes of models the pre-flight check knows, from each model's Hugging Face model card and
 * config.json (parameter count; max_position_embeddings). Weights are served in bf16 (2 bytes
 * per parameter), as vLLM does for these checkpoints. Another model needs `modelParamsBillions`.
 */
export interface KnownModel {
    paramsBillions: number;
    maxContext: number;
}

export const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = {
    "Qwen/Qwen3-0.6B": { paramsBillions: 0.6, maxContext: 40960 },
    "Qwen/Qwen3-8B": { paramsBillions: 8.2, maxContext: 40960 },
    "Qwen/Qwen3-32B": { paramsBillions: 32.8, maxContext: 40960 },
    "Qwen/Qwen2.5-7B-Instruct": { paramsBillions: 7.6, maxContext: 32768 },
    "meta-llama/Llama-3.1-8B-Instruct": { paramsBillions: 8.03, maxContext: 131072 },
    "meta-llama/Llama-3.1-70B-Instruct": { paramsBillions: 70.6, maxContext: 131072 },
    "meta-llama/Llama-3.3-70B-Instruct": { paramsBillions: 70.6, maxContext: 131072 },
    "meta-llama/Llama-3.2-1B-Instruct": { paramsBillions: 1.24, maxContext: 131072 },
    "meta-llama/Llama-3.2-3B-Instruct": { paramsBillions: 3.21, maxContext: 131072 },
    "mistralai/Mistral-7B-Instruct-v0.3": { paramsBillions: 7.25, maxContext: 32768 },
};

/**
 * Parameter count read off a model id ("Llama-3.1-8B" -> 8, "Qwen3-0.6B" -> 0.6, "Mixtral-8x7B"
 * -> 56, an upper bound for MoE), or undefined when the id names no size.
 */
export function paramsFromModelId(model: string): number | undefined {
    const name = model.split("/").pop() ?? model;
    const matches = [...name.matchAll(/(?:^|[-_.])(?:(\d+)x)?(\d+(?:\.\d+)?)([BbMm])(?=$|[-_.])/g)];
    const last = matches.pop();
    if (!last) {
        return undefined;
    }
    const experts = last[1] ? Number(last[1]) : 1;
    const size = Number(last[2]) * (last[3].toUpperCase() === "M" ? 0.001 : 1);
    return experts * size;
}

export const WEIGHT_BYTES_PER_PARAM = 2;
/** vLLM's default --gpu-memory-utilization: the share of GPU memory vLLM may take. */
export const GPU_MEMORY_UTILIZATION = 0.9;
/** Of that share, at least this much must be left for the KV cache (and activations). */
export const KV_CACHE_HEADROOM = 0.2;

/** GiB of weights each GPU holds with tensor parallelism. */
export function weightsPerGpuGiB(paramsBillions: number, tensorParallelSize: number): number {
    return (paramsBillions * 1e9 * WEIGHT_BYTES_PER_PARAM) / tensorParallelSize / 1024 ** 3;
}
