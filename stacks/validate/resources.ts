/** Worker CPU and memory against what a GPU node leaves to them. */
import { GpuInstanceType } from "../catalog/instances";
import { ConfigError, REDACTED_VALUE } from "../errors";
import { CONFIG_KEYS, CONFIG_SCHEMA, ConfigValues } from "../schema";
import { parseCpuMillis, parseMemoryMiB } from "../quantity";
import { allocatableCpuMillis, allocatableMemoryMiB, GpuNodeFeatures } from "../sizing/capacity";

/** Each worker's CPU/memory request against what one GPU node leaves when it is full of workers. */
export function validateWorkerResources(
    workerCpu: string,
    workerMemory: string,
    gpuInstanceType: string,
    gpu: GpuInstanceType,
    podsPerNode: number,
    features: GpuNodeFeatures,
): void {
    const cpu = parseCpuMillis(workerCpu);
    if (cpu === undefined || cpu <= 0) {
        throw new ConfigError("workerCpu", workerCpu, "must be a positive CPU quantity such as '22' or '3500m'.");
    }
    const memory = parseMemoryMiB(workerMemory);
    if (memory === undefined || memory < 1024) {
        throw new ConfigError("workerMemory", workerMemory, "must be a memory quantity of at least 1Gi, such as '100Gi'.");
    }
    const cpuLeft = allocatableCpuMillis(gpu, features);
    if (cpu * podsPerNode > cpuLeft) {
        throw new ConfigError(
            "workerCpu",
            workerCpu,
            `${podsPerNode} worker pod(s) per ${gpuInstanceType} node need ${(cpu * podsPerNode) / 1000} CPU but the node has about ${Math.floor(cpuLeft) / 1000} allocatable; ` +
                `use at most ${Math.floor(cpuLeft / podsPerNode)}m.`,
        );
    }
    const memoryLeft = allocatableMemoryMiB(gpu, features);
    if (memory * podsPerNode > memoryLeft) {
        throw new ConfigError(
            "workerMemory",
            workerMemory,
            `${podsPerNode} worker pod(s) per ${gpuInstanceType} node need ${Math.ceil(memory * podsPerNode)}Mi but the node has about ${memoryLeft}Mi allocatable; ` +
                `use at most ${Math.floor(memoryLeft / podsPerNode)}Mi.`,
        );
    }
}

/**
 * String values with blanks around them (" 22", "100Gi ") are rejected, not trimmed: every
 * consumer would have to trim them the same way, and the manifests would carry them as given.
 * Secret keys are checked too, but their value is never echoed.
 */
export function validateQuantities(values: ConfigValues): void {
    for (const key of CONFIG_KEYS) {
        const spec = CONFIG_SCHEMA[key];
        const value = values[key];
        if (spec.type === "string" && typeof value === "string" && value !== value.trim()) {
            const shown = "secret" in spec ? REDACTED_VALUE : value;
            throw new ConfigError(key, shown, "has blanks before or after it; write the value without them.");
        }
    }
}
