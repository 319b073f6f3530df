/** What is worth knowing at preview but is not an error. */
import { hfTokenProblem } from "./model";

// graph=dynamo with efa=true used to warn of a TCP fallback (0.7.0 had no LIBFABRIC plugin); the
// Dynamo 1.6.2 EFA runtime image moves KV over EFA, so there is nothing to warn about any more.
/** Things worth knowing at preview that are not errors. */
export function configWarnings(config: { model: string; hfTokenSet: boolean; graph: string; efa: boolean }): string[] {
    const warnings: string[] = [];
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem) {
        warnings.push(tokenProblem);
    }
    return warnings;
}
