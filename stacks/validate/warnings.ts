/** What is worth knowing at preview but is not an error. */
import { KNOWN_MODELS } from "../catalog/models";
import { hfTokenProblem } from "./model";

/** Things worth knowing at preview that are not errors. */
export function configWarnings(config: {
    model: string;
    modelRevision: string;
    hfTokenSet: boolean;
    graph: string;
    efa: boolean;
    apiPublicAccessCidrs: readonly string[];
    /** spareGpuNodes as set, and the GPU pods (0: parked). */
    spareGpuNodesSet?: number;
    gpuPods?: number;
}): string[] {
    const warnings: string[] = [];
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem) {
        warnings.push(tokenProblem);
    }
    if (config.modelRevision === "") {
        warnings.push(
            "modelRevision is unset: each node downloads the main branch of the model repo when it joins, so a replacement node may serve newer weights than the rest; pin a commit hash.",
        );
    }
    if (!KNOWN_MODELS[config.model]) {
        warnings.push(
            `${config.model} is not in the pre-flight model table: its attention heads against tensorParallelSize and its KV cache against maxModelLen are not checked.`,
        );
    }
    if (config.apiPublicAccessCidrs.includes("0.0.0.0/0")) {
        warnings.push(
            "apiPublicAccessCidrs includes 0.0.0.0/0: the EKS API endpoint is reachable from the whole internet (still authenticated); narrow it, or set it empty for a private endpoint.",
        );
    }
    if ((config.spareGpuNodesSet ?? 0) > 0 && config.gpuPods === 0) {
        warnings.push(
            `spareGpuNodes=${config.spareGpuNodesSet} adds no node while the graph is parked (prefillReplicas=0 decodeReplicas=0): the GPU node group goes to 0.`,
        );
    }
    return warnings;
}
