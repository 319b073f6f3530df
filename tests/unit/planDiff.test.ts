/**
 * The plan diff on hand-made snapshots: what a reviewer must not miss. A shrink is reported as a
 * negative delta (fewer GPUs, a lower bill), and a change that replaces an object or a node group
 * says so, because replacement restarts pods or replaces GPU nodes under load.
 */
import * as assert from "assert";
import { stringify } from "yaml";
import { diffPlans, PlanSnapshot, renderMarkdown } from "../../plan/diff";

function snapshot(summary: Record<string, unknown>, manifests: Record<string, unknown> = {}, resources: unknown[] = []): PlanSnapshot {
    return {
        dir: "x",
        exists: true,
        plan: { stack: "s", resources: resources as never, summary: summary as never },
        manifests: new Map(Object.entries(manifests).map(([file, object]) => [file, stringify(object)])),
    };
}

const statefulSet = (replicas: number, serviceName: string) => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "decode", namespace: "serving" },
    spec: { replicas, serviceName, selector: { matchLabels: { app: "decode" } } },
});

describe("unit: plan diff", () => {
    it("a shrink is a negative delta in GPUs, nodes, replicas and cost", () => {
        const base = snapshot({
            gpusRequested: 16,
            gpusProvisioned: 16,
            gpuNodes: 2,
            prefillReplicas: 8,
            decodeReplicas: 8,
            hourlyCostUsd: 111.5,
            costBreakdown: { gpuNodes: 110.08 },
        });
        const head = snapshot({
            gpusRequested: 12,
            gpusProvisioned: 16,
            gpuNodes: 2,
            prefillReplicas: 8,
            decodeReplicas: 4,
            hourlyCostUsd: 56.46,
            costBreakdown: { gpuNodes: 55.04 },
        });
        const diff = diffPlans(base, head);
        assert.strictEqual(diff.summary.gpusRequested.delta, -4);
        assert.strictEqual(diff.summary.decodeReplicas.delta, -4);
        assert.ok(Math.abs((diff.summary.hourlyCostUsd.delta ?? 0) + 55.04) < 1e-9);
        assert.strictEqual(diff.summary.costBreakdown.gpuNodes.delta, -55.04);
        const md = renderMarkdown(diff);
        assert.ok(md.includes("-$55.04/h"), md);
        assert.ok(md.includes("| GPUs requested | 16 | 12 | **-4** |"), md);
    });

    it("a change of replicas updates a StatefulSet in place; a change of serviceName replaces it", () => {
        const base = snapshot({}, { "serving.StatefulSet.decode.yaml": statefulSet(8, "decode-workers") });
        const scaled = diffPlans(base, snapshot({}, { "serving.StatefulSet.decode.yaml": statefulSet(12, "decode-workers") }));
        assert.deepStrictEqual(scaled.kubernetes.changed[0].replacedBy, []);
        assert.ok(!renderMarkdown(scaled).includes("replaced"));
        const renamed = diffPlans(base, snapshot({}, { "serving.StatefulSet.decode.yaml": statefulSet(8, "decode") }));
        assert.deepStrictEqual(renamed.kubernetes.changed[0].replacedBy, ["spec.serviceName"]);
        assert.ok(renderMarkdown(renamed).includes("**replaced** (immutable: `spec.serviceName`)"));
    });

    it("a new instance type replaces the GPU node group; a new size does not", () => {
        const group = (instanceTypes: string[], desiredSize: number) => [
            {
                type: "aws:eks/nodeGroup:NodeGroup",
                name: "gpu-nodes",
                parent: null,
                inputs: { instanceTypes, scalingConfig: { desiredSize } },
            },
        ];
        const base = snapshot({}, {}, group(["p5.48xlarge"], 2));
        const resized = diffPlans(base, snapshot({}, {}, group(["p5.48xlarge"], 3)));
        assert.deepStrictEqual(resized.cloudResources.changed[0].replacedBy, []);
        const retyped = diffPlans(base, snapshot({}, {}, group(["p5en.48xlarge"], 2)));
        assert.deepStrictEqual(retyped.cloudResources.changed[0].replacedBy, ["instanceTypes"]);
        assert.ok(renderMarkdown(retyped).includes("**replaced**"));
    });
});
