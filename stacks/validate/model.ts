/** The model: its id, whether its weights fit the GPUs, its context length, gated access. */
import { GpuInstanceType } from "../catalog/instances";
import { GPU_MEMORY_UTILIZATION, KNOWN_MODELS, KV_CACHE_HEADROOM, paramsFromModelId, weightsPerGpuGiB } from "../catalog/models";
import { ConfigError } from "../errors";
import { ConfigValues } from "../schema";

const MODEL_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export function validateModel(model: string): void {
    if (model.trim() === "" || !MODEL_ID.test(model) || model.length > 96) {
        throw new ConfigError("model", model, "must be a Hugging Face model id such as 'meta-llama/Llama-3.1-8B-Instruct'.");
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
    if (known && v.maxModelLen > known.maxContext) {
        throw new ConfigError("maxModelLen", v.maxModelLen, `${v.model} supports at most ${known.maxContext} tokens of context.`);
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
