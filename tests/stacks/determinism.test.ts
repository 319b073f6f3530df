/**
 * The plan is deterministic, so two plans diff cleanly in a pull request: resources sorted by
 * type and name, every object's keys sorted, manifests rendered the same way, whatever order the
 * program registered them in.
 */
import * as assert from "assert";
import { parse } from "yaml";
import { renderManifest, renderPlanJson } from "../../plan/offline/plan";
import { planStack, StackPlan } from "../helpers/plan";

/** Paths of objects whose keys are out of order. */
function unsortedKeys(value: unknown, at = "$"): string[] {
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => unsortedKeys(v, `${at}[${i}]`));
    }
    if (value !== null && typeof value === "object") {
        const keys = Object.keys(value);
        const here = keys.some((k, i) => i > 0 && keys[i - 1] > k) ? [at] : [];
        return [...here, ...keys.flatMap((k) => unsortedKeys((value as Record<string, unknown>)[k], `${at}.${k}`))];
    }
    return [];
}

describe("stacks: the plan is deterministic", function () {
    let plan: StackPlan;
    before(async () => {
        plan = await planStack("llama31-pd");
    });

    it("lists resources sorted by type, then name", () => {
        const refs = plan.plan.resources.map((r) => `${r.type}::${r.name}`);
        assert.deepStrictEqual(refs, [...refs].sort());
    });

    it("writes plan.json with every object's keys sorted", () => {
        assert.deepStrictEqual(unsortedKeys(JSON.parse(renderPlanJson(plan.plan, []))), []);
    });

    it("writes manifests with sorted keys, and rendering a shuffled copy gives the same text", () => {
        for (const object of plan.manifests()) {
            const text = renderManifest(object, []);
            assert.deepStrictEqual(unsortedKeys(parse(text)), [], `${object.kind}/${object.metadata.name}`);
            const shuffled = Object.fromEntries(Object.entries(object).reverse()) as typeof object;
            assert.strictEqual(renderManifest(shuffled, []), text);
        }
    });
});
