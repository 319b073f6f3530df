/**
 * The schema check the manifests tests rely on (tests/helpers/k8sSchema.ts), tested on a real
 * object of the plan: it finds the model class, and it reports each kind of break (wrong type,
 * bad enum, missing required field, unknown field) that it must not let through.
 */
import * as assert from "assert";
import { asObject, K8sObject, modelClass, schemaProblems } from "../helpers/k8sSchema";
import { planStack } from "../helpers/plan";

describe("manifests: the schema check itself", () => {
    let base: K8sObject;
    const broken = (edit: (o: K8sObject) => void): string[] => {
        const copy = JSON.parse(JSON.stringify(base)) as K8sObject;
        edit(copy);
        return schemaProblems(copy);
    };
    before(async () => {
        // A real object of the plan: the dev prefill StatefulSet.
        const p = await planStack("dev");
        base = asObject(p.manifest("StatefulSet", "prefill"));
    });

    it("finds the model class of an apiVersion and kind in kubernetes-models", () => {
        assert.strictEqual(modelClass("apps/v1", "StatefulSet")?.kind, "StatefulSet");
        assert.strictEqual(modelClass("v1", "Service")?.apiVersion, "v1");
        assert.strictEqual(modelClass("networking.k8s.io/v1", "NetworkPolicy")?.kind, "NetworkPolicy");
        assert.strictEqual(modelClass("apps/v1", "Service"), undefined);
        assert.strictEqual(modelClass("apps/v9", "StatefulSet"), undefined);
    });

    it("accepts the real object, including arbitrary label and annotation keys", () => {
        assert.deepStrictEqual(schemaProblems(base), []);
        assert.deepStrictEqual(
            broken((o) => {
                o.metadata.labels = { ...o.metadata.labels, "example.com/anything": "x" };
                o.metadata.annotations = { "example.com/note": "y" };
            }),
            [],
        );
    });

    it("rejects an unknown field at the top, in the spec and deep in a container", () => {
        assert.deepStrictEqual(
            broken((o) => {
                o.stauts = {};
            }),
            ["unknown field /stauts"],
        );
        assert.deepStrictEqual(
            broken((o) => {
                o.spec!.replica = 2;
            }),
            ["unknown field /spec/replica"],
        );
        assert.deepStrictEqual(
            broken((o) => {
                const c = o.spec!.template!.spec.containers[0] as unknown as Record<string, unknown>;
                c.readinesProbe = c.readinessProbe;
            }),
            ["unknown field /spec/template/spec/containers/0/readinesProbe"],
        );
        assert.deepStrictEqual(
            broken((o) => {
                (o.spec!.template!.spec.containers[0].resources as Record<string, unknown>).limit = { cpu: "1" };
            }),
            ["unknown field /spec/template/spec/containers/0/resources/limit"],
        );
    });

    it('rejects a string where the schema wants an integer (replicas: "3")', () => {
        const problems = broken((o) => {
            (o.spec as Record<string, unknown>).replicas = "3";
        });
        assert.strictEqual(problems.length, 1, problems.join("; "));
        assert.match(problems[0], /\/spec\/replicas must be integer/);
    });

    it("rejects a container without a name", () => {
        const problems = broken((o) => {
            delete (o.spec!.template!.spec.containers[0] as { name?: string }).name;
        });
        assert.strictEqual(problems.length, 1, problems.join("; "));
        assert.match(problems[0], /containers\/0 must have required property '?name'?/);
    });

    it("rejects a malformed quantity and an unknown enum value", () => {
        assert.ok(
            broken((o) => {
                o.spec!.template!.spec.containers[0].resources!.limits!.memory = "lots";
            }).length > 0,
        );
        assert.ok(
            broken((o) => {
                o.spec!.podManagementPolicy = "AllAtOnce";
            }).length > 0,
        );
    });

    it("rejects a kind kubernetes-models does not know for that apiVersion", () => {
        assert.match(
            broken((o) => {
                o.kind = "StatefulSets";
            }).join(),
            /no kubernetes-models class/,
        );
        assert.match(
            broken((o) => {
                o.apiVersion = "apps/v1beta9";
            }).join(),
            /no kubernetes-models class/,
        );
    });
});
