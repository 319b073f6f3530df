/** The model: its id, whether its weights fit the GPUs, its context length, gated access. */
import { GpuInstanceType } from "../catalog/instances";
import {
    GPU_MEMORY_UTILIZATION,
    KNOWN_MODELS,
    KnownModel,
    KV_CACHE_HEADROOM,
    kvBytesPerTokenPerGpu,
    NON_KV_OVERHEAD_GIB,
    paramsFromModelId,
    weightsPerGpuGiB,
} from "../catalog/models";
import { ConfigError } from "../errors";
import { ConfigValues } from "../schema";

/**
 * One part of a hub repo id, as huggingface_hub's validate_repo_id checks it
 * (src/huggingface_hub/utils/_validators.py, REPO_ID_REGEX with re.ASCII): 1 to 96 of
 * [A-Za-z0-9_.-], starting and ending with [A-Za-z0-9_] (a word boundary), no "--" or "..", and
 * the id does not end in ".git". The same rule is applied to the namespace.
 */
const REPO_ID_PART = /^(?=.{1,96}$)\w(?:[\w.-]*\w)?$/;

/** Whether the hub (and snapshot_download) accepts `model` as a repo id. */
export function isHubRepoId(model: string): boolean {
    const parts = model.split("/");
    return (
        parts.length <= 2 &&
        parts.every((part) => REPO_ID_PART.test(part)) &&
        !model.includes("--") &&
        !model.includes("..") &&
        !model.endsWith(".git")
    );
}

export function validateModel(model: string): void {
    if (!isHubRepoId(model)) {
        throw new ConfigError(
            "model",
            model,
            "must be a Hugging Face repo id such as 'meta-llama/Llama-3.1-8B-Instruct': namespace and name of 1-96 of A-Z a-z 0-9 _ . -, " +
                "not starting or ending with - or ., no -- or .., not ending in .git.",
        );
    }
}

const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** modelRevision: a full commit hash (branches and tags move), or empty. */
export function validateModelRevision(modelRevision: string): void {
    if (modelRevision !== "" && !COMMIT_HASH.test(modelRevision)) {
        throw new ConfigError(
            "modelRevision",
            modelRevision,
            "must be a full commit hash of the model repo (40 lowercase hex digits), or empty for the main branch; branch and tag names move.",
        );
    }
}

/** Tensor parallelism splits attention heads evenly; KV heads are split or, when fewer, replicated. */
export function validateAttentionHeads(model: string, known: KnownModel, tensorParallelSize: number): void {
    const kvOk = known.kvHeads >= tensorParallelSize ? known.kvHeads % tensorParallelSize === 0 : tensorParallelSize % known.kvHeads === 0;
    if (known.attentionHeads % tensorParallelSize !== 0 || !kvOk) {
        const fits = [1, 2, 4, 8].filter(
            (tp) => known.attentionHeads % tp === 0 && (known.kvHeads >= tp ? known.kvHeads % tp === 0 : tp % known.kvHeads === 0),
        );
        throw new ConfigError(
            "tensorParallelSize",
            tensorParallelSize,
            `${model} has ${known.attentionHeads} attention heads and ${known.kvHeads} KV heads, which ${tensorParallelSize} GPUs cannot split evenly; use one of: ${fits.join(", ")}.`,
        );
    }
}

/**
 * One sequence of maxModelLen tokens must fit the KV cache of one GPU, or vLLM refuses to start
 * ("max_model_len ... is larger than the maximum number of tokens that can be stored in KV cache").
 * KV memory = GPU memory x gpu-memory-utilization - weights - NON_KV_OVERHEAD_GIB.
 */
export function validateKvCache(
    v: { model: string; maxModelLen: number; tensorParallelSize: number; gpuInstanceType: string },
    known: KnownModel,
    params: number,
    gpu: GpuInstanceType,
): void {
    const gib = 1024 ** 3;
    const kvGiB = (gpu.gpuMemoryMiB / 1024) * GPU_MEMORY_UTILIZATION - weightsPerGpuGiB(params, v.tensorParallelSize) - NON_KV_OVERHEAD_GIB;
    const perToken = kvBytesPerTokenPerGpu(known, v.tensorParallelSize);
    const maxTokens = Math.max(0, Math.floor((kvGiB * gib) / perToken));
    if (v.maxModelLen > maxTokens) {
        throw new ConfigError(
            "maxModelLen",
            v.maxModelLen,
            `one ${v.maxModelLen}-token sequence of ${v.model} needs ${((v.maxModelLen * perToken) / gib).toFixed(1)} GiB of KV cache per GPU at tensorParallelSize=${v.tensorParallelSize}, ` +
                `but a ${gpu.gpuModel} on ${v.gpuInstanceType} has about ${Math.max(0, kvGiB).toFixed(1)} GiB left after weights; use at most ${maxTokens} or raise tensorParallelSize.`,
        );
    }
}

/**
 * The model's weights per GPU against the GPU memory vLLM may use, leaving KV_CACHE_HEADROOM of
 * it for the KV cache; and maxModelLen against the model's own context. Returns the size used.
 */
export function validateModelFits(
    v: Pick<ConfigValues, "model" | "modelParamsBillions" | "tensorParallelSize" | "gpuInstanceType" | "maxModelLen">,
    gpu: GpuInstanceType,
): number {
    const known = KNOWN_MODELS[v.model];
    let params = known?.paramsBillions ?? paramsFromModelId(v.model);
    if (v.modelParamsBillions !== "") {
        params = Number(v.modelParamsBillions);
        if (!/^\d+(\.\d+)?$/.test(v.modelParamsBillions) || !(params > 0)) {
            throw new ConfigError(
                "modelParamsBillions",
                v.modelParamsBillions,
                "must be a positive number of billions of parameters, such as '8.03'.",
            );
        }
    }
    if (params === undefined) {
        throw new ConfigError(
            "model",
            v.model,
            "names no parameter count (such as '-8B') and is not in the pre-flight table; set modelParamsBillions to its size in billions, such as '8.03'.",
        );
    }
    const weights = weightsPerGpuGiB(params, v.tensorParallelSize);
    const gpuGiB = gpu.gpuMemoryMiB / 1024;
    const budget = gpuGiB * GPU_MEMORY_UTILIZATION * (1 - KV_CACHE_HEADROOM);
    if (weights > budget) {
        const minTp = [1, 2, 4, 8].find((tp) => tp <= gpu.gpus && weightsPerGpuGiB(params!, tp) <= budget);
        const wayOut = minTp ? `set tensorParallelSize=${minTp}` : "use a GPU instance type with more GPU memory";
        throw new ConfigError(
            "model",
            v.model,
            `${params}B parameters in bf16 need ${weights.toFixed(1)} GiB per GPU at tensorParallelSize=${v.tensorParallelSize}, but a ${gpu.gpuModel} on ${v.gpuInstanceType} ` +
                `has ${gpuGiB.toFixed(0)} GiB and vLLM keeps ${budget.toFixed(1)} GiB for weights after its KV-cache share; ${wayOut}.`,
        );
    }
    if (known) {
        validateAttentionHeads(v.model, known, v.tensorParallelSize);
        if (v.maxModelLen > known.maxContext) {
            throw new ConfigError("maxModelLen", v.maxModelLen, `${v.model} supports at most ${known.maxContext} tokens of context.`);
        }
        validateKvCache(v, known, params, gpu);
    }
    return params;
}

/** Model families whose weights Hugging Face only serves to accounts that accepted the licence. */
export const GATED_MODEL_PREFIXES = ["meta-llama/", "google/gemma", "mistralai/"];

/** The problem with a gated model and no token, or undefined. */
export function hfTokenProblem(model: string, hfTokenSet: boolean): string | undefined {
    if (hfTokenSet || !GATED_MODEL_PREFIXES.some((prefix) => model.startsWith(prefix))) {
        return undefined;
    }
    return (
        `Config 'hfToken' is unset but model ${JSON.stringify(model)} is gated on Hugging Face: ` +
        "pulumi up needs it (pulumi config set --secret hfToken hf_...); the offline plan works without it."
    );
}
