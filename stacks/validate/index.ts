/**
 * Pre-flight validation of stack config: small pure validators, one concern per file, each
 * throwing a ConfigError whose one-line message names the key, the bad value and what is allowed.
 * `validateStackConfig` runs them all, collects every bad key and reports them together, before
 * the program registers any resource.
 */
import { GpuInstanceType } from "../catalog/instances";
import { ConfigErrorCollector } from "../errors";
import { CONFIG_KEYS, ConfigValues } from "../schema";
import { validateEfa, validateEfaImageRegion, validateGpuInstanceType, validateGpuNodeCount, validateReplicas } from "./gpu";
import { validateSpareGpuNodes } from "./gpu";
import { validateBlockSize, validateSystemInstanceType, validateSystemNodeCount, validateTensorParallelSize } from "./gpu";
import { validateModel, validateModelFits, validateModelRevision } from "./model";
import { DISTINCT_LISTS, validateAccess, validateCapacity, validateControlPlaneLogTypes, validateDistinct } from "./network";
import { validateEndpoint, validateNetwork, validateRegion } from "./network";
import { validateGpuAmiRelease, validateKubernetesVersion } from "./kubernetes";
import { validateDerivedNames } from "./names";
import { validateQuantities } from "./resources";
import { validateSystemCapacity } from "./system";
import { validateMonitoring } from "./monitoring";
import { validateRange } from "./ranges";
import { validateWorkerResources } from "./resources";

export * from "./gpu";
export * from "./kubernetes";
export * from "./model";
export * from "./names";
export * from "./monitoring";
export * from "./network";
export * from "./system";
export * from "./ranges";
export * from "./resources";
export * from "./warnings";

/** What validation learns on the way that resolving needs. */
export interface ValidatedFacts {
    /** The AWS region (aws:region). */
    readonly region: string;
    /** The GPU instance type's catalogue entry. */
    readonly gpu: GpuInstanceType;
    /** The model's parameter count in billions. */
    readonly modelParamsBillions: number;
}

/**
 * Runs every validator. Checks that build on a key (the GPU type, the region) run only when that
 * key is valid, so one mistake yields one line, not a cascade. Throws a ConfigError (one bad key)
 * or a ConfigErrors (several), both pulumi.RunErrors.
 */
export function validateStackConfig(
    values: ConfigValues,
    context: { project: string; stack: string; region: string | undefined },
): ValidatedFacts {
    const regionInput = context.region;
    const errors = new ConfigErrorCollector();
    for (const key of CONFIG_KEYS) {
        errors.check(() => validateRange(key, values[key]));
    }
    const region = errors.check(() => validateRegion(regionInput));
    errors.check(() => validateModel(values.model));
    errors.check(() => validateReplicas(values.prefillReplicas, values.decodeReplicas));
    const gpu = errors.check(() => validateGpuInstanceType(values.gpuInstanceType));
    errors.check(() => validateSystemInstanceType(values.systemInstanceType));
    errors.check(() => validateBlockSize(values.blockSize));
    errors.check(() => validateKubernetesVersion(values.kubernetesVersion));
    if (!errors.failed("kubernetesVersion", "gpuAmiRelease")) {
        errors.check(() => validateGpuAmiRelease(values.gpuAmiRelease, values.kubernetesVersion));
    }
    let modelParamsBillions: number | undefined;
    if (gpu && !errors.failed("tensorParallelSize", "prefillReplicas", "decodeReplicas")) {
        const podsPerGpuNode = Math.floor(gpu.gpus / values.tensorParallelSize);
        errors.check(() => validateTensorParallelSize(values.tensorParallelSize, values.gpuInstanceType, gpu));
        if (!errors.failed("tensorParallelSize")) {
            modelParamsBillions = errors.check(() => validateModelFits(values, gpu));
            const layout = {
                prefillPods: values.prefillReplicas,
                decodePods: values.decodeReplicas,
                podsPerNode: podsPerGpuNode,
                efa: values.efa,
            };
            errors.check(() => validateGpuNodeCount(values.gpuNodeCount, layout, values.tensorParallelSize, values.gpuInstanceType));
            if (!errors.failed("spareGpuNodes", "gpuNodeCount")) {
                errors.check(() => validateSpareGpuNodes(values.spareGpuNodes, values.gpuNodeCount, layout));
            }
            errors.check(() => validateEfa(values.efa, values.gpuInstanceType, gpu, podsPerGpuNode));
            // Allocatable depends on EFA (huge pages): judge resources only against a valid EFA setting.
            if (!errors.failed("efa")) {
                errors.check(() =>
                    validateWorkerResources(values.workerCpu, values.workerMemory, values.gpuInstanceType, gpu, podsPerGpuNode, {
                        efa: values.efa,
                        monitoring: values.monitoring,
                    }),
                );
            }
        }
    }
    if (region) {
        errors.check(() => validateEfaImageRegion(values.efa, values.graph, region));
        errors.check(() => validateNetwork(values, region));
    }
    errors.check(() => validateSystemNodeCount(values.systemNodeCount, values.graph === "dynamo" || values.dynamoInfra));
    errors.check(() => validateCapacity(values));
    errors.check(() => validateAccess(values.adminRoleArns, values.apiPublicAccessCidrs, region));
    for (const key of DISTINCT_LISTS) {
        errors.check(() => validateDistinct(key, values[key]));
    }
    errors.check(() => validateControlPlaneLogTypes(values.controlPlaneLogTypes));
    errors.check(() => validateModelRevision(values.modelRevision));
    errors.check(() => validateQuantities(values));
    errors.check(() => validateDerivedNames(context.project, context.stack));
    errors.check(() => validateSystemCapacity(values));
    errors.check(() => validateEndpoint(values, region));
    errors.check(() => validateMonitoring(values.monitoring, values.monitoringAmpWorkspace));
    errors.throwIfAny();
    return { region: region!, gpu: gpu!, modelParamsBillions: modelParamsBillions! };
}
