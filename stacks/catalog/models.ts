/**
 * Shapes of models the pre-flight check knows. Source of each row: the model card (parameter
 * count) and `https://huggingface.co/<model id>/blob/main/config.json` (max_position_embeddings,
 * num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim; where config.json has
 * no head_dim it is hidden_size / num_attention_heads). Weights are served in bf16 (2 bytes per
 * parameter), as vLLM does for these checkpoints. Another model needs `modelParamsBillions`, and
 * its attention heads and KV cache are not checked (there is nothing to check them against).
 */
export interface KnownModel {
    paramsBillions: number;
    /** max_position_embeddings. */
    maxContext: number;
    /** num_hidden_layers. */
    layers: number;
    /** num_attention_heads: tensor parallelism splits them evenly over the GPUs. */
    attentionHeads: number;
    /** num_key_value_heads (grouped-query attention). */
    kvHeads: number;
    /** head_dim. */
    headDim: number;
}

export const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = {
    // config.json: hidden_size 1024, head_dim 128, 28 layers, 16 heads, 8 KV heads.
    "Qwen/Qwen3-0.6B": { paramsBillions: 0.6, maxContext: 40960, layers: 28, attentionHeads: 16, kvHeads: 8, headDim: 128 },
    "Qwen/Qwen3-8B": { paramsBillions: 8.2, maxContext: 40960, layers: 36, attentionHeads: 32, kvHeads: 8, headDim: 128 },
    "Qwen/Qwen3-32B": { paramsBillions: 32.8, maxContext: 40960, layers: 64, attentionHeads: 64, kvHeads: 8, headDim: 128 },
    // hidden_size 3584 / 28 heads = 128.
    "Qwen/Qwen2.5-7B-Instruct": { paramsBillions: 7.6, maxContext: 32768, layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128 },
    "meta-llama/Llama-3.1-8B-Instruct": {
        paramsBillions: 8.03,
        maxContext: 131072,
        layers: 32,
        attentionHeads: 32,
        kvHeads: 8,
        headDim: 128,
    },
    "meta-llama/Llama-3.1-70B-Instruct": {
        paramsBillions: 70.6,
        maxContext: 131072,
        layers: 80,
        attentionHeads: 64,
        kvHeads: 8,
        headDim: 128,
    },
    "meta-llama/Llama-3.3-70B-Instruct": {
        paramsBillions: 70.6,
        maxContext: 131072,
        layers: 80,
        attentionHeads: 64,
        kvHeads: 8,
        headDim: 128,
    },
    // hidden_size 2048 / 32 heads = 64.
    "meta-llama/Llama-3.2-1B-Instruct": {
        paramsBillions: 1.24,
        maxContext: 131072,
        layers: 16,
        attentionHeads: 32,
        kvHeads: 8,
        headDim: 64,
    },
    // hidden_size 3072 / 24 heads = 128.
    "meta-llama/Llama-3.2-3B-Instruct": {
        paramsBillions: 3.21,
        maxContext: 131072,
        layers: 28,
        attentionHeads: 24,
        kvHeads: 8,
        headDim: 128,
    },
    "mistralai/Mistral-7B-Instruct-v0.3": {
        paramsBillions: 7.25,
        maxContext: 32768,
        layers: 32,
        attentionHeads: 32,
        kvHeads: 8,
        headDim: 128,
    },
};

/** Bytes of one KV-cache element in bf16 (vLLM's default --kv-cache-dtype auto = the model dtype). */
export const KV_BYTES_PER_ELEMENT = 2;

/**
 * KV heads one GPU holds: vLLM splits them over the tensor-parallel ranks, and replicates them
 * when there are fewer KV heads than ranks (each rank keeps at least one).
 */
export function kvHeadsPerGpu(model: KnownModel, tensorParallelSize: number): number {
    return Math.max(1, model.kvHeads / tensorParallelSize);
}

/** KV-cache bytes per token on one GPU: 2 (K and V) x layers x KV heads per GPU x head_dim x 2 bytes. */
export function kvBytesPerTokenPerGpu(model: KnownModel, tensorParallelSize: number): number {
    return 2 * model.layers * kvHeadsPerGpu(model, tensorParallelSize) * model.headDim * KV_BYTES_PER_ELEMENT;
}

/**
 * GPU memory vLLM's profiling run takes beyond weights and KV cache (activations of a maximal
 * batch, CUDA graphs, the NCCL buffers with TP > 1): an assumption, kept on the safe side of
 * what vLLM logs for 1-8B models ("model weights take ...; ... activation peak ...").
 */
export const NON_KV_OVERHEAD_GIB = 2;

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
