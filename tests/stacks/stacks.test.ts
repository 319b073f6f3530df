/**
 * Both stacks end to end on the Pulumi mocks (plan/run.ts runProgram via buildPlan): what they
 * provision and cost, that secrets (hfToken, kubeconfig) never reach the plan in plaintext,
 * that plans are reproducible, and that one process can plan several configs in a row.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, PlanMocks, SECRET_PLACEHOLDER } from "../../plan/offline/mocks";
import { PROGRAM_PATH } from "../../plan/offline/run";
import { loadPlanConfig } from "../../plan/offline/stackFiles";
import { isConfigError } from "../../stacks/errors";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { hfTokenProblem } from "../../stacks/validate";
import { planStack, ROOT, StackPlan } from "../helpers/plan";

describe("stacks: llama31-pd end to end", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd");
    });

    it("provisions 16 GPUs on 2 p5.48xlarge for 8 prefill + 8 decode pods", () => {
        const s = p.plan.summary;
        assert.strictEqual(s.gpuInstanceType, "p5.48xlarge");
        assert.strictEqual(s.gpuNodes, 2);
        assert.strictEqual(s.gpusProvisioned, 16);
        assert.strictEqual(p.plan.config.prefillReplicas, 8);
        assert.strictEqual(p.plan.config.decodeReplicas, 8);
    });

    it("requests every provisioned GPU: 8 prefill + 8 decode pods x 1 GPU", () => {
        const s = p.plan.summary;
        assert.strictEqual(s.prefillReplicas, 8);
        assert.strictEqual(s.decodeReplicas, 8);
        assert.strictEqual(s.gpusRequested, 16);
        assert.strictEqual(s.gpuUtilisation, 1);
    });

    it("costs the 2 p5.48xlarge plus the rest (over $110/hour on demand)", () => {
        const s = p.plan.summary;
        assert.ok(s.costBreakdown.gpuNodes >= 2 * GPU_INSTANCE_TYPES["p5.48xlarge"].hourlyUsd - 1e-6, JSON.stringify(s.costBreakdown));
        assert.ok(s.hourlyCostUsd > 110, `hourlyCostUsd ${s.hourlyCostUsd}`);
        const parts = Object.values(s.costBreakdown).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(parts - s.hourlyCostUsd) < 1e-3, "the total is the sum of the breakdown");
    });

    it("counts every registered resource in the summary", () => {
        assert.strictEqual(p.plan.summary.resourceCount, p.plan.resources.length);
        assert.strictEqual(p.plan.summary.kubernetesObjects, p.manifests().length);
    });

    it("exports the stack outputs users read after pulumi up", () => {
        const o = p.plan.outputs;
        assert.strictEqual(o.clusterName, "pd-serving-llama31-pd");
        assert.strictEqual(o.region, "us-east-1");
        assert.strictEqual(o.graph, "vllm-router");
        assert.strictEqual(o.gpuNodeCount, 2);
        assert.deepStrictEqual(o.nodeGroupNames, { system: "pd-serving-llama31-pd-system", gpu: "pd-serving-llama31-pd-gpu" });
    });

    it("plans offline without hfToken even though the model is gated, and warns about it", () => {
        assert.ok(hfTokenProblem(String(p.plan.config.model), false), "the model is gated (else this test proves nothing)");
        assert.strictEqual(p.plan.config.hfToken, "");
        assert.ok(
            p.warnings.some((w) => w.includes("hfToken")),
            `warnings: ${JSON.stringify(p.warnings)}`,
        );
    });
});

describe("stacks: dev end to end", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("dev");
    });

    it("plans 2 g5.xlarge for 1 prefill + 1 decode pod", () => {
        assert.strictEqual(p.plan.summary.gpuInstanceType, "g5.xlarge");
        assert.strictEqual(p.plan.summary.gpuNodes, 2);
        assert.strictEqual(p.plan.summary.gpusProvisioned, 2);
    });

    it("is far cheaper than llama31-pd (under $10/hour)", () => {
        assert.ok(p.plan.summary.hourlyCostUsd > 0 && p.plan.summary.hourlyCostUsd < 10, String(p.plan.summary.hourlyCostUsd));
    });

    it("does not warn about hfToken for an ungated model", () => {
        assert.deepStrictEqual(
            p.warnings.filter((w) => w.includes("hfToken")),
            [],
        );
    });
});

describe("stacks: graph=dynamo", () => {
    it("plans llama31-pd with the Dynamo graph", async () => {
        const p = await planStack("llama31-pd", ["graph=dynamo"]);
        assert.strictEqual(p.plan.config.graph, "dynamo");
        assert.strictEqual(p.plan.summary.graph, "dynamo");
        assert.strictEqual(p.plan.outputs.graph, "dynamo");
        assert.strictEqual(p.plan.summary.gpusProvisioned, 16);
    });
});

describe("stacks: secrets never reach the plan in plaintext", () => {
    const HF_CANARY = "hf_CANARY_d41d8cd98f00b204e9800998ecf8427e";
    const KUBECONFIG_CANARY = "KUBECONFIG_CANARY_apiVersion_v1_clusters_token_5f4dcc3b";
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", [`hfToken=${HF_CANARY}`], {
            // The eks component's kubeconfig outputs, as they would exist after `pulumi up`.
            state: { "eks:index:Cluster": { kubeconfig: KUBECONFIG_CANARY, kubeconfigJson: KUBECONFIG_CANARY } },
        });
    });

    it("the CLI would know the hfToken value to scrub (the canary really is a secret value)", () => {
        assert.ok(p.planConfig.secretValues.includes(HF_CANARY));
        assert.ok(p.planConfig.secretKeys.includes("pd-serving:hfToken"));
    });

    it("hfToken appears nowhere in plan.json or any manifest, even without scrubbing", () => {
        // Rendered with no secret values to scrub: the program itself must not leak the token.
        const rendered = p.render([]);
        assert.ok(!rendered.includes(HF_CANARY), "hfToken leaked into the rendered plan");
        for (const object of p.manifests()) {
            assert.ok(!JSON.stringify(object).includes(HF_CANARY), `hfToken leaked into ${object.kind} ${object.metadata.name}`);
        }
    });

    it("hfToken is shown as a secret in the plan config and not in the outputs", () => {
        assert.strictEqual(p.plan.config.hfToken, SECRET_PLACEHOLDER);
        assert.ok(!JSON.stringify(p.plan.outputs).includes(HF_CANARY));
    });

    // @pulumi/kubernetes wraps a Secret's whole stringData in pulumi.secret; the plan must keep
    // its keys (redacting only the values) so references to HF_TOKEN can be followed.
    it("every secretKeyRef of a pod names a Secret of the plan that has that key", () => {
        const secrets = p.manifests().filter((o) => o.kind === "Secret");
        assert.ok(secrets.length > 0, "with hfToken set there is a Secret");
        let refs = 0;
        for (const object of p.manifests()) {
            const pod = (object.spec?.template?.spec ?? {}) as { containers?: unknown[]; initContainers?: unknown[] };
            for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as {
                env?: { valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
            }[]) {
                for (const env of container.env ?? []) {
                    const ref = env.valueFrom?.secretKeyRef;
                    if (!ref || ref.optional) {
                        continue;
                    }
                    refs++;
                    const secret = secrets.find((s) => s.metadata.name === ref.name && s.metadata.namespace === object.metadata.namespace);
                    assert.ok(secret, `${object.kind} ${object.metadata.name} refers to missing Secret ${ref.name}`);
                    const keys = Object.keys({ ...((secret.data as object) ?? {}), ...((secret.stringData as object) ?? {}) });
                    assert.ok(
                        keys.includes(ref.key),
                        `${object.kind} ${object.metadata.name} needs key ${ref.key} of Secret ${ref.name}, which has ${keys.join(", ")}`,
                    );
                }
            }
        }
        assert.ok(refs > 0, "some pod reads the token from the Secret");
    });

    it("with hfToken set, the gated model does not warn", () => {
        assert.deepStrictEqual(
            p.warnings.filter((w) => w.includes("hfToken")),
            [],
        );
    });

    it("the kubeconfig appears nowhere in plaintext: outputs and the provider get it as a secret", () => {
        assert.strictEqual(p.stateOverrideHits["eks:index:Cluster"], 1, "the canary kubeconfig reached the program");
        assert.ok(!p.render([]).includes(KUBECONFIG_CANARY), "kubeconfig leaked into the rendered plan");
        assert.strictEqual(p.plan.outputs.kubeconfig, SECRET_PLACEHOLDER);
        assert.strictEqual(p.only("pulumi:providers:kubernetes").inputs.kubeconfig, SECRET_PLACEHOLDER);
    });
});

describe("stacks: reproducible plans in one process", () => {
    it("two plans of the same config render byte-identical", async () => {
        const first = await planStack("llama31-pd", ["graph=dynamo"]);
        const second = await planStack("llama31-pd", ["graph=dynamo"]);
        assert.strictEqual(second.render(), first.render());
    });

    it("planning other stacks (and a failing config) in between does not change a plan", async () => {
        const first = await planStack("dev");
        const other = await planStack("llama31-pd");
        await assert.rejects(
            planStack("dev", ["prefillReplicas=-1"]),
            (err: unknown) => isConfigError(err) && err.key === "prefillReplicas",
        );
        const after = await planStack("dev");
        assert.strictEqual(after.render(), first.render());
        assert.notStrictEqual(other.render(), first.render());
        assert.strictEqual(after.only("eks:index:Cluster").inputs.name, "pd-serving-dev", "stack name of the latest run");
    });
});

describe("stacks: pulumi up refuses a gated model without hfToken", () => {
    it("the program (not offline, not a preview) throws a RunError that names hfToken", async () => {
        const config = loadPlanConfig(ROOT, "llama31-pd", []);
        await installMocks(new PlanMocks(), config.project, config.stack);
        pulumi.runtime.setAllConfig(config.config, config.secretKeys);
        delete require.cache[require.resolve(PROGRAM_PATH)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is loaded after the mocks are installed
        const program = require(PROGRAM_PATH) as (options?: { offline?: boolean }) => Promise<unknown>;
        await assert.rejects(program({}), (err: unknown) => {
            assert.ok(err instanceof pulumi.RunError, String(err));
            assert.ok((err as Error).message.includes("hfToken"), (err as Error).message);
            return true;
        });
    });
});
