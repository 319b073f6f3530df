/**
 * Routine changes must not take a worker pool down: node drains and voluntary evictions respect
 * one PodDisruptionBudget per worker role.
 */
import * as assert from "assert";
import { planStack } from "../helpers/plan";

for (const graph of ["vllm-router", "dynamo"]) {
    describe(`stacks: worker disruption budgets, graph=${graph}`, function () {
        it("one PDB per worker role, maxUnavailable 1, selecting exactly that role's pods", async () => {
            const p = await planStack("llama31-pd", [`graph=${graph}`]);
            for (const role of ["prefill", "decode"]) {
                const pdb = p.manifest("PodDisruptionBudget", role, "serving") as unknown as {
                    spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
                };
                assert.strictEqual(pdb.spec.maxUnavailable, 1);
                assert.strictEqual(pdb.spec.selector.matchLabels["app.kubernetes.io/component"], role);
                assert.strictEqual(pdb.spec.selector.matchLabels["pd-serving/graph"], graph);
            }
        });
    });
}
