/**
 * components/efaDevicePlugin.ts: the EFA device plugin advertises vpc.amazonaws.com/efa, which
 * every worker pod requests when efa is on. Its chart tolerates nothing by default, so without
 * the GPU toleration it never lands on the tainted GPU nodes and the workers stay Pending.
 */
import * as assert from "assert";
import { allContainers, asK8s, nodeTaint, podTemplate, tolerates, Toleration } from "../helpers/k8sSchema";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART = "aws-efa-k8s-device-plugin";

interface PluginValues {
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
}

function efaReleases(p: StackPlan): PlannedResource[] {
    return p.resources(RELEASE).filter((r) => r.inputs.chart === CHART);
}

/** Containers of the plan that request EFA devices. */
function efaConsumers(p: StackPlan): string[] {
    return asK8s(p.manifests()).flatMap((o) => {
        const spec = podTemplate(o)?.spec;
        return spec
            ? allContainers(spec)
                  .filter((c) => c.resources?.limits?.["vpc.amazonaws.com/efa"] !== undefined)
                  .map((c) => `${o.metadata.name}/${c.name}`)
            : [];
    });
}

describe("efaDevicePlugin: llama31-pd with efa=true", () => {
    let p: StackPlan;
    let release: PlannedResource;
    let values: PluginValues;
    before(async () => {
        p = await planStack("llama31-pd");
        assert.strictEqual(p.plan.config.efa, true);
        const found = efaReleases(p);
        assert.strictEqual(found.length, 1);
        release = found[0];
        values = release.inputs.values as PluginValues;
    });

    it("installs aws-efa-k8s-device-plugin v0.5.30 from the eks-charts repository into kube-system", () => {
        assert.strictEqual(release.inputs.version, "v0.5.30");
        assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://aws.github.io/eks-charts" });
        assert.strictEqual(release.inputs.namespace, "kube-system");
        assert.strictEqual(release.parent, "pd-serving:platform:EfaDevicePlugin::efa-device-plugin");
    });

    it("tolerates the GPU taint nvidia.com/gpu (operator Exists, effect NoSchedule)", () => {
        assert.ok(
            values.tolerations?.some((t) => t.key === "nvidia.com/gpu" && t.operator === "Exists" && t.effect === "NoSchedule"),
            JSON.stringify(values.tolerations),
        );
        for (const taint of (p.nodeGroup("gpu").inputs.taints as { key: string; value?: string; effect: string }[]).map(nodeTaint)) {
            assert.ok(tolerates(values.tolerations, taint), `no toleration for the GPU node taint ${JSON.stringify(taint)}`);
        }
    });

    it("runs only on EFA-wired GPU nodes: its nodeSelector is the GPU pool plus efa=true, which the GPU nodes carry", () => {
        assert.deepStrictEqual(values.nodeSelector, { "pd-serving/node-pool": "gpu", "pd-serving/efa": "true" });
        const gpuLabels = p.nodeGroup("gpu").inputs.labels as Record<string, string>;
        const systemLabels = p.nodeGroup("system").inputs.labels as Record<string, string>;
        for (const [key, value] of Object.entries(values.nodeSelector ?? {})) {
            assert.strictEqual(gpuLabels[key], value, `GPU nodes are labelled ${key}=${value}`);
        }
        assert.notStrictEqual(systemLabels["pd-serving/efa"], "true");
    });

    it("is there because workers request vpc.amazonaws.com/efa", () => {
        assert.ok(efaConsumers(p).length > 0, "worker pods request EFA devices");
    });
});

describe("efaDevicePlugin: efa=false", () => {
    let llamaNoEfa: StackPlan;
    let dev: StackPlan;
    before(async () => {
        llamaNoEfa = await planStack("llama31-pd", ["efa=false"]);
        dev = await planStack("dev");
    });

    it("is not installed on llama31-pd with efa=false, nor on dev (efa off)", () => {
        assert.strictEqual(llamaNoEfa.plan.config.efa, false);
        assert.strictEqual(dev.plan.config.efa, false);
        assert.deepStrictEqual(
            efaReleases(llamaNoEfa).map((r) => r.name),
            [],
        );
        assert.deepStrictEqual(
            efaReleases(dev).map((r) => r.name),
            [],
        );
        assert.deepStrictEqual(llamaNoEfa.resources("pd-serving:platform:EfaDevicePlugin"), []);
    });

    it("no pod requests EFA devices nobody would advertise", () => {
        assert.deepStrictEqual(efaConsumers(llamaNoEfa), []);
        assert.deepStrictEqual(efaConsumers(dev), []);
    });
});
