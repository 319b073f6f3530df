/**
 * components/servingNamespace.ts: the serving namespace and the Hugging Face token Secret. The
 * Secret exists only when hfToken is set (a Secret with an empty token would make gated
 * downloads fail with a confusing 401), keeps its key HF_TOKEN so pods can reference it, and its
 * value never reaches plan.json or the manifests.
 */
import * as assert from "assert";
import { SECRET_PLACEHOLDER } from "../../plan/offline/mocks";
import { REDACTED, renderManifest } from "../../plan/offline/plan";
import { asK8s, asObject } from "../helpers/k8sSchema";

const CLUSTER_SCOPED_KINDS = new Set(["Namespace", "StorageClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

/** The HF token Secret resources of a plan (the API gateway's key Secret is another). */
function hfSecrets(p: StackPlan): PlannedResource[] {
    return p.resources(SECRET).filter((r) => r.name === "serving-hf-token");
}

const SECRET = "kubernetes:core/v1:Secret";
const HF_CANARY = "hf_NAMESPACE_CANARY_fedcba9876543210";
/** Monitoring has its own namespace and Grafana Secret (tests/monitoring.test.ts); these plans leave it out. */
const NO_MONITORING = "monitoring=false";

describe("servingNamespace: llama31-pd", () => {
    let without: StackPlan;
    let withToken: StackPlan;
    before(async () => {
        without = await planStack("llama31-pd", [NO_MONITORING]);
        withToken = await planStack("llama31-pd", [`hfToken=${HF_CANARY}`, NO_MONITORING]);
    });

    it("creates the serving namespace, labelled part-of pd-serving, in the ServingNamespace component", () => {
        const ns = asObject(without.manifest("Namespace", "serving"));
        assert.strictEqual(ns.metadata.namespace, undefined);
        assert.strictEqual(ns.metadata.labels?.["app.kubernetes.io/part-of"], "pd-serving");
        assert.strictEqual(
            without.resource("kubernetes:core/v1:Namespace", "serving").parent,
            "pd-serving:platform:ServingNamespace::serving",
        );
    });

    it("every namespaced object of the plan lives in serving", () => {
        // Cluster-scoped: the namespace, the gp3 class and the namespace's pod admission policy.
        const namespaces = new Set(
            asK8s(without.manifests())
                .filter((o) => o.metadata.namespace !== undefined || !CLUSTER_SCOPED_KINDS.has(o.kind))
                .map((o) => o.metadata.namespace),
        );
        assert.deepStrictEqual([...namespaces], ["serving"]);
    });

    it("without hfToken, a gated model still plans the Secret pulumi up will need, redacted", () => {
        assert.strictEqual(without.plan.config.hfToken, "");
        assert.strictEqual(hfSecrets(without).length, 1);
        assert.deepStrictEqual(asObject(without.manifest("Secret", "hf-token", "serving")).stringData, { HF_TOKEN: REDACTED });
        assert.ok(
            without.warnings.some((w) => w.includes("hfToken")),
            "the plan says pulumi up needs hfToken",
        );
    });

    it("an ungated model without hfToken gets no HF token Secret at all", async () => {
        const dev = await planStack("dev", [NO_MONITORING]);
        assert.deepStrictEqual(hfSecrets(dev), []);
        assert.ok(!asK8s(dev.manifests()).some((o) => o.kind === "Secret" && o.metadata.name === "hf-token"));
    });

    it("with hfToken there is one Opaque Secret hf-token in serving, in the ServingNamespace component", () => {
        const secrets = hfSecrets(withToken);
        assert.strictEqual(secrets.length, 1);
        assert.strictEqual(secrets[0].parent, "pd-serving:platform:ServingNamespace::serving");
        const secret = asObject(withToken.manifest("Secret", "hf-token", "serving"));
        assert.strictEqual(secret.type, "Opaque");
    });

    it("the Secret keeps its key HF_TOKEN and only its value is redacted, in the manifest and in plan.json", () => {
        const secret = asObject(withToken.manifest("Secret", "hf-token", "serving"));
        assert.deepStrictEqual(secret.stringData, { HF_TOKEN: REDACTED });
        assert.strictEqual(secret.data, undefined);
        const inputs = hfSecrets(withToken)[0].inputs;
        assert.deepStrictEqual(inputs.stringData, { HF_TOKEN: REDACTED });
    });

    it("the token appears neither in the Secret's manifest file nor anywhere in the plan, unscrubbed", () => {
        const secret = withToken.manifest("Secret", "hf-token", "serving");
        assert.ok(!renderManifest(secret, []).includes(HF_CANARY));
        assert.ok(!withToken.render([]).includes(HF_CANARY));
    });

    it("the config shows hfToken as a secret, and no output carries it", () => {
        assert.strictEqual(withToken.plan.config.hfToken, SECRET_PLACEHOLDER);
        assert.ok(!JSON.stringify(withToken.plan.outputs).includes(HF_CANARY));
    });

    it("the Secret's key is what the model-cache download reads (secretKeyRef hf-token/HF_TOKEN)", () => {
        const daemonSet = asObject(withToken.manifest("DaemonSet", "model-cache", "serving"));
        const refs = [...(daemonSet.spec?.template?.spec.initContainers ?? []), ...(daemonSet.spec?.template?.spec.containers ?? [])]
            .flatMap((c) => c.env ?? [])
            .map((e) => e.valueFrom?.secretKeyRef)
            .filter((r) => r !== undefined);
        assert.deepStrictEqual(refs, [{ name: "hf-token", key: "HF_TOKEN" }]);
        const secret = asObject(withToken.manifest("Secret", refs[0]!.name, daemonSet.metadata.namespace));
        assert.ok(refs[0]!.key in (secret.stringData as Record<string, string>));
    });
});
