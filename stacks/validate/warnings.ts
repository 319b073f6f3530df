/** What is worth knowing at preview but is not an error. */
import { hfTokenProblem } from "./model";

/** Things worth knowing at preview that are not errors. */
export function configWarnings(config: { model: string; hfTokenSet: boolean; graph: string; efa: boolean }): string[] {
    const warnings: string[] = [];
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem) {
        warnings.push(tokenProblem);
    }
    if (config.graph === "dynamo" && config.efa) {
        warnings.push(
            "graph=dynamo with efa=true: the Dynamo 0.7.0 runtime image is not evidenced to carry NIXL's LIBFABRIC plugin, " +
                "so its workers keep NIXL's UCX backend and KV transfer falls back to TCP; EFA devices stay allocated for parity with vllm-router.",
        );
    }
    return warnings;
}
