/**
 * Validation of stack config: small pure functions, each throwing a ConfigError whose one-line
 * message names the key, the bad value and what is allowed. `validateConfig` runs them all,
 * before the program registers any resource.
 */
import { DLC_REGIONS } from "../components/images";
import { allocatableCpuMillis, allocatableMemoryMiB } from "./capacity";
import { ConfigError } from "./errors";
import { GPU_INSTANCE_TYPES, GpuInstanceType, SYSTEM_INSTANCE_TYPES } from "./instances";
import { GPU_MEMORY_UTILIZATION, KNOWN_MODELS, KV_CACHE_HEADROOM, paramsFromModelId, weightsPerGpuGiB } from "./models";
import { parseCpuMillis, parseMemoryMiB } from "./quantity";
import { BLOCK_SIZES, CONFIG_KEYS, CONFIG_SCHEMA, ConfigValues, MAX_NODES_PER_NODE_GROUP, TENSOR_PARALLEL_SIZES } from "./schema";

const MODEL_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

/** Every key's own range: allowed strings and integer bounds from the schema. */
export function validateRanges(values: ConfigValues): void {
    for (const key of CONFIG_KEYS) {
        const spec = CONFIG_SCHEMA[key];
        const value = values[key];
        if (spec.type === "integer") {
            const n = value as number;
            if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
                throw new ConfigError(key, value, `must be an integer from ${spec.min} to ${spec.max}.`);
            }
        }
        if (spec.type === "string" && "allowed" in spec && !(spec.allowed as readonly string[]).includes(value as string)) {
            throw new ConfigError(key, value, `must be one of: ${spec.allowed.join(", ")}.`);
        }
    }
}

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
            throw new ConfigError("modelParamsBillions", v.modelParamsBillions, "must be a positive number of billions of parameters, such as '8.03'.");
        }
    }
    if (params === undefined) {
        throw new ConfigError("model", v.model,
            "names no parameter count (such as '-8B') and is not in the pre-flight table; set modelParamsBillions to its size in billions, such as '8.03'.");
    }
    const weights = weightsPerGpuGiB(params, v.tensorParallelSize);
    const gpuGiB = gpu.gpuMemoryMiB / 1024;
    const budget = gpuGiB * GPU_MEMORY_UTILIZATION * (1 - KV_CACHE_HEADROOM);
    if (weights > budget) {
        const minTp = [1, 2, 4, 8].find((tp) => tp <= gpu.gpus && weightsPerGpuGiB(params!, tp) <= budget);
        const wayOut = minTp ? `set tensorParallelSize=${minTp}` : "use a GPU instance type with more GPU memory";
        throw new ConfigError("model", v.model,
            `${params}B parameters in bf16 need ${weights.toFixed(1)} GiB per GPU at tensorParallelSize=${v.tensorParallelSize}, but a ${gpu.gpuModel} on ${v.gpuInstanceType} ` +
            `has ${gpuGiB.toFixed(0)} GiB and vLLM keeps ${(budget).toFixed(1)} GiB for weights after its KV-cache share; ${wayOut}.`);
    }
    if (known && v.maxModelLen > known.maxContext) {
        throw new ConfigError("maxModelLen", v.maxModelLen, `${v.model} supports at most ${known.maxContext} tokens of context.`);
    }
    return params;
}

export function validateReplicas(prefillReplicas: number, decodeReplicas: number): void {
    if ((prefillReplicas === 0) !== (decodeReplicas === 0)) {
        const key = prefillReplicas === 0 ? "prefillReplicas" : "decodeReplicas";
        throw new ConfigError(key, 0, "a prefill/decode graph needs at least 1 prefill and 1 decode pod; set both to 0 to park the graph.");
    }
}

export function validateGpuInstanceType(gpuInstanceType: string): GpuInstanceType {
    const gpu = GPU_INSTANCE_TYPES[gpuInstanceType];
    if (!gpu) {
        throw new ConfigError("gpuInstanceType", gpuInstanceType, `must be one of: ${Object.keys(GPU_INSTANCE_TYPES).join(", ")}.`);
    }
    return gpu;
}

export function validateSystemInstanceType(systemInstanceType: string): void {
    if (!SYSTEM_INSTANCE_TYPES[systemInstanceType]) {
        throw new ConfigError("systemInstanceType", systemInstanceType, `must be one of: ${Object.keys(SYSTEM_INSTANCE_TYPES).join(", ")}.`);
    }
}

export function validateTensorParallelSize(tensorParallelSize: number, gpuInstanceType: string, gpu: GpuInstanceType): void {
    if (!(TENSOR_PARALLEL_SIZES as readonly number[]).includes(tensorParallelSize) || tensorParallelSize > gpu.gpus) {
        throw new ConfigError("tensorParallelSize", tensorParallelSize,
            `must be one of ${TENSOR_PARALLEL_SIZES.filter((n) => n <= gpu.gpus).join(", ")} on ${gpuInstanceType} (${gpu.gpus} GPU per node).`);
    }
}

export function validateBlockSize(blockSize: number): void {
    if (!(BLOCK_SIZES as readonly number[]).includes(blockSize)) {
        throw new ConfigError("blockSize", blockSize, `must be one of: ${BLOCK_SIZES.join(", ")}.`);
    }
}

/** GPU pods against the GPUs of a fixed node count (0 = derived), and the derived count against EKS's limit. */
export function validateGpuNodeCount(gpuNodeCount: number, gpuPods: number, gpusPerPod: number, gpuInstanceType: string, gpu: GpuInstanceType): void {
    const podsPerNode = Math.floor(gpu.gpus / gpusPerPod);
    const needed = Math.ceil(gpuPods / podsPerNode);
    if (gpuNodeCount === 0) {
        if (needed > MAX_NODES_PER_NODE_GROUP) {
            throw new ConfigError("prefillReplicas", gpuPods,
                `prefill + decode = ${gpuPods} GPU pods need ${needed} x ${gpuInstanceType}, over the ${MAX_NODES_PER_NODE_GROUP} nodes of one EKS managed node group; ` +
                "use an instance type with more GPUs or fewer replicas.");
        }
        return;
    }
    if (gpuNodeCount < needed) {
        throw new ConfigError("gpuNodeCount", gpuNodeCount,
            `${gpuPods} GPU pods x ${gpusPerPod} GPU do not fit on ${gpuNodeCount} x ${gpuInstanceType} (${gpuNodeCount * gpu.gpus} GPUs); ` +
            `set gpuNodeCount to at least ${needed}, 0 to derive it, or lower prefillReplicas/decodeReplicas.`);
    }
}

export function validateEfa(efa: boolean, gpuInstanceType: string, gpu: GpuInstanceType, podsPerNode: number): void {
    if (!efa) {
        return;
    }
    if (gpu.maxEfaDevices === 0) {
        const withEfa = Object.entries(GPU_INSTANCE_TYPES).filter(([, t]) => t.maxEfaDevices > 0).map(([name]) => name);
        throw new ConfigError("efa", efa, `${gpuInstanceType} has no EFA; set efa=false or use one of: ${withEfa.join(", ")}.`);
    }
    if (gpu.maxEfaDevices < podsPerNode) {
        throw new ConfigError("efa", efa,
            `${gpuInstanceType} has ${gpu.maxEfaDevices} EFA device(s) for ${podsPerNode} GPU pods per node and each pod needs its own; ` +
            `raise tensorParallelSize to ${Math.ceil(gpu.gpus / gpu.maxEfaDevices)} or set efa=false.`);
    }
}

/** vllm-router workers on EFA run the AWS Deep Learning Container, hosted in these regions only. */
export function validateEfaImageRegion(efa: boolean, graph: string, region: string): void {
    if (efa && graph === "vllm-router" && !(DLC_REGIONS as readonly string[]).includes(region)) {
        throw new ConfigError("aws:region", region,
            `efa=true with graph=vllm-router uses the AWS Deep Learning Container for vLLM, published in: ${DLC_REGIONS.join(", ")}; choose one or set efa=false.`);
    }
}

/** Each worker's CPU/memory request against what one GPU node leaves when it is full of workers. */
export function validateWorkerResources(workerCpu: string, workerMemory: string, gpuInstanceType: string, gpu: GpuInstanceType, podsPerNode: number, efa: boolean): void {
    const cpu = parseCpuMillis(workerCpu);
    if (cpu === undefined || cpu <= 0) {
        throw new ConfigError("workerCpu", workerCpu, "must be a positive CPU quantity such as '22' or '3500m'.");
    }
    const memory = parseMemoryMiB(workerMemory);
    if (memory === undefined || memory < 1024) {
        throw new ConfigError("workerMemory", workerMemory, "must be a memory quantity of at least 1Gi, such as '100Gi'.");
    }
    const cpuLeft = allocatableCpuMillis(gpu, efa);
    if (cpu * podsPerNode > cpuLeft) {
        throw new ConfigError("workerCpu", workerCpu,
            `${podsPerNode} worker pod(s) per ${gpuInstanceType} node need ${(cpu * podsPerNode) / 1000} CPU but the node has about ${Math.floor(cpuLeft) / 1000} allocatable; ` +
            `use at most ${Math.floor(cpuLeft / podsPerNode)}m.`);
    }
    const memoryLeft = allocatableMemoryMiB(gpu, efa);
    if (memory * podsPerNode > memoryLeft) {
        throw new ConfigError("workerMemory", workerMemory,
            `${podsPerNode} worker pod(s) per ${gpuInstanceType} node need ${Math.ceil(memory * podsPerNode)}Mi but the node has about ${memoryLeft}Mi allocatable; ` +
            `use at most ${Math.floor(memoryLeft / podsPerNode)}Mi.`);
    }
}

export function validateSystemNodeCount(systemNodeCount: number, deployDynamoInfra: boolean): void {
    if (deployDynamoInfra && systemNodeCount < 3) {
        throw new ConfigError("systemNodeCount", systemNodeCount,
            "etcd and NATS run 3 members on 3 different system nodes (graph=dynamo or dynamoInfra=true): use at least 3.");
    }
}

export function validateRegion(region: string | undefined): string {
    if (!region || !REGION.test(region)) {
        throw new ConfigError("aws:region", region, "must be an AWS region such as 'us-east-1' (pulumi config set aws:region us-east-1).");
    }
    return region;
}

export function validateCidr(key: string, cidr: string, minPrefix = 0, maxPrefix = 32): void {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const octets = match ? match.slice(1, 5).map(Number) : [];
    const prefix = match ? Number(match[5]) : -1;
    if (!match || octets.some((o) => o > 255) || prefix < minPrefix || prefix > maxPrefix) {
        throw new ConfigError(key, cidr, `must be an IPv4 CIDR such as '10.0.0.0/16' with a prefix from /${minPrefix} to /${maxPrefix}.`);
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    if (prefix < 32 && address % 2 ** (32 - prefix) !== 0) {
        throw new ConfigError(key, cidr, `has host bits set; the network address for /${prefix} is required.`);
    }
}

export function validateNetwork(values: Pick<ConfigValues, "vpcId" | "privateSubnetIds" | "publicSubnetIds" | "vpcCidr" | "availabilityZones" | "gpuAvailabilityZone" | "endpointScheme">, region: string): void {
    const zonePattern = new RegExp(`^${region}[a-z]$`);
    if (!zonePattern.test(values.gpuAvailabilityZone)) {
        throw new ConfigError("gpuAvailabilityZone", values.gpuAvailabilityZone, `must be an availability zone of ${region}, such as '${region}a'.`);
    }
    if (values.vpcId === "") {
        if (values.privateSubnetIds.length > 0 || values.publicSubnetIds.length > 0) {
            const key = values.privateSubnetIds.length > 0 ? "privateSubnetIds" : "publicSubnetIds";
            throw new ConfigError(key, values[key], "subnet ids need vpcId; without vpcId the program creates the VPC and its subnets.");
        }
        validateCidr("vpcCidr", values.vpcCidr, 16, 20);
        const zones = values.availabilityZones;
        if (zones.length < 2 || zones.length > 4 || new Set(zones).size !== zones.length || !zones.every((z) => zonePattern.test(z))) {
            throw new ConfigError("availabilityZones", zones, `must list 2 to 4 distinct availability zones of ${region}, such as ["${region}a","${region}b"].`);
        }
        if (!zones.includes(values.gpuAvailabilityZone)) {
            throw new ConfigError("gpuAvailabilityZone", values.gpuAvailabilityZone, `must be one of availabilityZones: ${zones.join(", ")}.`);
        }
        return;
    }
    if (!VPC_ID.test(values.vpcId)) {
        throw new ConfigError("vpcId", values.vpcId, "must be a VPC id such as 'vpc-0123456789abcdef0', or empty to create a VPC.");
    }
    if (values.privateSubnetIds.length < 2 || !values.privateSubnetIds.every((id) => SUBNET_ID.test(id))) {
        throw new ConfigError("privateSubnetIds", values.privateSubnetIds, "with vpcId, must list at least 2 subnet ids (subnet-...) in different availability zones.");
    }
    if (!values.publicSubnetIds.every((id) => SUBNET_ID.test(id))) {
        throw new ConfigError("publicSubnetIds", values.publicSubnetIds, "must list subnet ids (subnet-...).");
    }
    if (values.endpointScheme === "internet-facing" && values.publicSubnetIds.length === 0) {
        throw new ConfigError("publicSubnetIds", values.publicSubnetIds, "an internet-facing endpoint in an existing VPC needs public subnets.");
    }
}

const CAPACITY_RESERVATION_ID = /^cr-[0-9a-f]{8,17}$/;

/** Capacity reservations are zonal: the GPU nodes must launch into subnets of that zone only. */
export function validateCapacity(v: Pick<ConfigValues, "gpuCapacityType" | "gpuCapacityReservationId" | "vpcId" | "gpuSubnetIds">): void {
    if (v.gpuCapacityReservationId !== "" && !CAPACITY_RESERVATION_ID.test(v.gpuCapacityReservationId)) {
        throw new ConfigError("gpuCapacityReservationId", v.gpuCapacityReservationId, "must be a capacity reservation id such as 'cr-02168da1478b509e0', or empty.");
    }
    if (v.gpuCapacityType === "CAPACITY_BLOCK" && v.gpuCapacityReservationId === "") {
        throw new ConfigError("gpuCapacityReservationId", "", "gpuCapacityType=CAPACITY_BLOCK needs the Capacity Block's reservation id (cr-...).");
    }
    if (v.vpcId === "" && v.gpuSubnetIds.length > 0) {
        throw new ConfigError("gpuSubnetIds", v.gpuSubnetIds, "needs vpcId; a new VPC puts GPU nodes in its private subnet of gpuAvailabilityZone.");
    }
    if (!v.gpuSubnetIds.every((id) => SUBNET_ID.test(id))) {
        throw new ConfigError("gpuSubnetIds", v.gpuSubnetIds, "must list subnet ids (subnet-...).");
    }
    if (v.vpcId !== "" && v.gpuCapacityReservationId !== "" && v.gpuSubnetIds.length === 0) {
        throw new ConfigError("gpuSubnetIds", v.gpuSubnetIds,
            "with vpcId and a capacity reservation, list the private subnet(s) of gpuAvailabilityZone: nodes launched in another zone cannot use the reservation.");
    }
}

export function validateAccess(adminRoleArns: string[], apiPublicAccessCidrs: string[]): void {
    for (const arn of adminRoleArns) {
        if (!IAM_PRINCIPAL_ARN.test(arn)) {
            throw new ConfigError("adminRoleArns", arn, "must be IAM role or user ARNs such as 'arn:aws:iam::123456789012:role/Admin'.");
        }
    }
    if (apiPublicAccessCidrs.length === 0) {
        throw new ConfigError("apiPublicAccessCidrs", apiPublicAccessCidrs, "must list at least one CIDR: pulumi needs to reach the cluster API.");
    }
    apiPublicAccessCidrs.forEach((cidr) => validateCidr("apiPublicAccessCidrs", cidr));
}

export function validateEndpoint(endpointScheme: string, endpointAllowedCidrs: string[]): void {
    endpointAllowedCidrs.forEach((cidr) => validateCidr("endpointAllowedCidrs", cidr));
    if (endpointScheme === "internet-facing" && endpointAllowedCidrs.length === 0) {
        throw new ConfigError("endpointAllowedCidrs", endpointAllowedCidrs, "an internet-facing endpoint needs a client allowlist, such as [\"203.0.113.0/24\"].");
    }
}

/** Things worth knowing at preview that are not errors. */
export function configWarnings(config: { model: string; hfTokenSet: boolean; graph: string; efa: boolean }): string[] {
    const warnings: string[] = [];
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem) {
        warnings.push(tokenProblem);
    }
    if (config.graph === "dynamo" && config.efa) {
        warnings.push("graph=dynamo with efa=true: the Dynamo 0.7.0 runtime image is not evidenced to carry NIXL's LIBFABRIC plugin, " +
            "so its workers keep NIXL's UCX backend and KV transfer falls back to TCP; EFA devices stay allocated for parity with vllm-router.");
    }
    return warnings;
}

/** Model families whose weights Hugging Face only serves to accounts that accepted the licence. */
export const GATED_MODEL_PREFIXES = ["meta-llama/", "google/gemma", "mistralai/"];

/** The problem with a gated model and no token, or undefined. */
export function hfTokenProblem(model: string, hfTokenSet: boolean): string | undefined {
    if (hfTokenSet || !GATED_MODEL_PREFIXES.some((prefix) => model.startsWith(prefix))) {
        return undefined;
    }
    return `Config 'hfToken' is unset but model ${JSON.stringify(model)} is gated on Hugging Face: ` +
        "pulumi up needs it (pulumi config set --secret hfToken hf_...); the offline plan works without it.";
}
