/**
 * components/nvidiaDevicePlugin.ts: without the NVIDIA device plugin no node advertises
 * nvidia.com/gpu and every prefill/decode pod stays Pending. It must be the pinned chart (not
 * 0.19.0-0.19.2, which turned on MOFED/GDRCopy and conflict with the EFA plugin), tolerate the
 * GPU taint and run only on GPU nodes.
 */
import * as assert from "assert";
import { nodeTaint, tolerates, Toleration } from "../helpers/k8sSchema";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const POOL_LABEL = "pd-serving/node-pool";

interface PluginValues {
    nodeSelector?: Record<string, string>;
    affinity?: Record<string, unknown>;
    tolerations?: Toleration[];
    gfd?: { enabled?: boolean };
}

/**
 * The chart's own default affinity, deployments/helm/nvidia-device-plugin/values.yaml @v0.20.0:
 * three ORed terms on labels only NFD (not deployed) or nodeadm from kubelet 1.35 on set.
 */
const CHART_DEFAULT_AFFINITY = {
    nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
                { matchExpressions: [{ key: "feature.node.kubernetes.io/pci-10de.present", operator: "In", values: ["true"] }] },
                { matchExpressions: [{ key: "feature.node.kubernetes.io/cpu-model.vendor_id", operator: "In", values: ["NVIDIA"] }] },
                { matchExpressions: [{ key: "nvidia.com/gpu.present", operator: "In", values: ["true"] }] },
            ],
        },
    },
};

/** Helm's coalescing of user values over chart defaults: maps merge key by key, anything else replaces. */
function coalesce(user: unknown, chart: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    if (user === undefined) {
        return chart;
    }
    if (isMap(user) && isMap(chart)) {
        const keys = new Set([...Object.keys(chart), ...Object.keys(user)]);
        return Object.fromEntries([...keys].map((k) => [k, coalesce(user[k], chart[k])]));
    }
    return user;
}

type NodeSelectorTerm = { matchExpressions: { key: string; operator: string; values: string[] }[] };

/** Whether a node with these labels satisfies a required node affinity (terms ORed, expressions ANDed; In only). */
function nodeMatches(affinity: unknown, labels: Record<string, string>): boolean {
    const terms = (
        affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } }
    ).nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (!terms) {
        return true;
    }
    return terms.some((t) => t.matchExpressions.every((e) => e.operator === "In" && e.values.includes(labels[e.key])));
}

function nvidiaRelease(p: StackPlan): PlannedResource {
    const found = p.resources(RELEASE).filter((r) => r.inputs.chart === "nvidia-device-plugin");
    assert.strictEqual(found.length, 1, `one nvidia-device-plugin release, found ${found.length}`);
    return found[0];
}

function gpuTaints(p: StackPlan): { key: string; value?: string; effect: string }[] {
    return (p.nodeGroup("gpu").inputs.taints as { key: string; value?: string; effect: string }[]).map(nodeTaint);
}

describe("nvidiaDevicePlugin: llama31-pd (p5.48xlarge, EFA) and dev (g5.xlarge)", () => {
    let llama: StackPlan;
    let dev: StackPlan;
    before(async () => {
        llama = await planStack("llama31-pd");
        dev = await planStack("dev");
    });

    it("installs the nvidia-device-plugin chart from NVIDIA's repository at exactly 0.20.0", () => {
        for (const p of [llama, dev]) {
            const release = nvidiaRelease(p);
            assert.strictEqual(release.inputs.version, "0.20.0");
            assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://nvidia.github.io/k8s-device-plugin" });
            assert.strictEqual(release.inputs.namespace, "kube-system", "the chart refuses the default namespace");
        }
    });

    it("is not one of the 0.19.0-0.19.2 charts that conflict with the EFA plugin", () => {
        const version = String(nvidiaRelease(llama).inputs.version);
        assert.ok(!["0.19.0", "0.19.1", "0.19.2"].includes(version.replace(/^v/, "")), version);
    });

    it("belongs to the NvidiaDevicePlugin component", () => {
        assert.strictEqual(nvidiaRelease(llama).parent, "pd-serving:platform:NvidiaDevicePlugin::nvidia-device-plugin");
    });

    it("tolerates the GPU taint nvidia.com/gpu (operator Exists, effect NoSchedule)", () => {
        for (const p of [llama, dev]) {
            const values = nvidiaRelease(p).inputs.values as PluginValues;
            assert.ok(
                values.tolerations?.some((t) => t.key === "nvidia.com/gpu" && t.operator === "Exists" && t.effect === "NoSchedule"),
                JSON.stringify(values.tolerations),
            );
        }
    });

    it("tolerates every taint the GPU node group puts on its nodes", () => {
        for (const p of [llama, dev]) {
            const taints = gpuTaints(p);
            assert.ok(taints.length > 0, "the GPU nodes are tainted (else this proves nothing)");
            const tolerations = (nvidiaRelease(p).inputs.values as PluginValues).tolerations;
            for (const taint of taints) {
                assert.ok(tolerates(tolerations, taint), `no toleration for ${JSON.stringify(taint)}`);
            }
        }
    });

    it("selects the GPU node pool, whose nodes carry that label (and the system nodes do not)", () => {
        for (const p of [llama, dev]) {
            const selector = (nvidiaRelease(p).inputs.values as PluginValues).nodeSelector ?? {};
            assert.deepStrictEqual(selector, { [POOL_LABEL]: "gpu" });
            const gpuLabels = p.nodeGroup("gpu").inputs.labels as Record<string, string>;
            const systemLabels = p.nodeGroup("system").inputs.labels as Record<string, string>;
            assert.ok(
                Object.entries(selector).every(([k, v]) => gpuLabels[k] === v),
                "selector matches the GPU nodes",
            );
            assert.ok(!Object.entries(selector).every(([k, v]) => systemLabels[k] === v), "selector excludes the system nodes");
        }
    });

    it("replaces the chart's NFD/gpu.present affinity with our GPU pool term: the effective affinity selects our GPU nodes only", () => {
        for (const p of [llama, dev]) {
            const values = nvidiaRelease(p).inputs.values as PluginValues;
            const effective = coalesce(values.affinity, CHART_DEFAULT_AFFINITY);
            assert.deepStrictEqual(
                (effective as typeof CHART_DEFAULT_AFFINITY).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
                [{ matchExpressions: [{ key: POOL_LABEL, operator: "In", values: ["gpu"] }] }],
            );
            // Our GPU nodes carry only our labels (no NFD, and nodeadm's gpu.present is absent before kubelet 1.35).
            const gpuLabels = p.nodeGroup("gpu").inputs.labels as Record<string, string>;
            const systemLabels = p.nodeGroup("system").inputs.labels as Record<string, string>;
            assert.ok(nodeMatches(effective, gpuLabels), `${JSON.stringify(gpuLabels)} must satisfy the plugin's affinity`);
            assert.ok(!nodeMatches(effective, systemLabels), "the system nodes must not");
            assert.strictEqual(values.gfd?.enabled, false);
        }
    });

    it("(the check above fails for `affinity: {}`, which keeps the chart's terms: maps merge in Helm)", () => {
        const gpuLabels = llama.nodeGroup("gpu").inputs.labels as Record<string, string>;
        assert.ok(!nodeMatches(coalesce({}, CHART_DEFAULT_AFFINITY), gpuLabels));
    });
});
