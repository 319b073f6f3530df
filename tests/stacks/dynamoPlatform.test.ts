/**
 * The Dynamo platform release (the operator: bundled etcd, NATS, Grove, KAI and PodMonitors off,
 * on the system nodes) and what each dynamoDiscovery value deploys and wires.
 */
import * as assert from "assert";
import { planStack, StackPlan } from "../helpers/plan";
import { admits, at, dgd, inClusterUrl, NetworkPolicy, platformValues, Values } from "../helpers/dynamoGraph";

describe("dynamo graph: the platform release", () => {
    let values: Values;
    let release: { inputs: Values };
    before(async () => {
        const p = await planStack("llama31-pd", ["graph=dynamo"]);
        values = platformValues(p);
        release = p.resources("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "dynamo-platform")!;
    });

    it("installs dynamo-platform 1.6.0 from NGC's Helm repository", () => {
        assert.strictEqual(release.inputs.version, "1.6.0");
        assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://helm.ngc.nvidia.com/nvidia/ai-dynamo" });
    });

    it("turns off the bundled etcd, NATS, Grove, KAI Scheduler, Snapshot and the PodMonitors", () => {
        for (const key of ["etcd", "nats", "grove", "kai-scheduler", "snapshot"]) {
            assert.strictEqual(at(values, `global.${key}.install`), false, key);
        }
        assert.strictEqual(at(values, "global.grove.enabled"), false);
        assert.strictEqual(at(values, "global.kai-scheduler.enabled"), false);
        assert.strictEqual(at(values, "dynamo-operator.dynamo.metrics.podMonitors.enabled"), false);
    });

    it("runs the operator on the system nodes by required node affinity (the chart has no nodeSelector key)", () => {
        const terms = at(
            values,
            "dynamo-operator.controllerManager.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
        );
        assert.deepStrictEqual(terms, [{ matchExpressions: [{ key: "pd-serving/node-pool", operator: "In", values: ["system"] }] }]);
        assert.strictEqual(at(values, "dynamo-operator.controllerManager.nodeSelector"), undefined);
    });
});

describe("dynamo graph: dynamoDiscovery", () => {
    let kube: StackPlan;
    let etcd: StackPlan;
    before(async () => {
        kube = await planStack("llama31-pd", ["graph=dynamo"]);
        etcd = await planStack("llama31-pd", ["graph=dynamo", "dynamoDiscovery=etcd"]);
    });

    it("kubernetes (the default): no etcd, no etcdAddr, no discovery annotation", () => {
        assert.strictEqual(kube.plan.config.dynamoDiscovery, "kubernetes");
        assert.ok(!kube.manifests().some((o) => o.metadata.name === "etcd"), "an etcd object exists");
        assert.strictEqual(at(platformValues(kube), "dynamo-operator.etcdAddr"), undefined);
        assert.strictEqual(dgd(kube).metadata.annotations["nvidia.com/dynamo-discovery-backend"], undefined);
        assert.strictEqual(kube.plan.outputs.etcdEndpoint, null);
    });

    it("etcd: deploys the 3-member etcd and annotates the graph for etcd discovery", () => {
        const sts = etcd.manifest("StatefulSet", "etcd") as unknown as { spec: { replicas: number } };
        assert.strictEqual(sts.spec.replicas, 3);
        assert.strictEqual(dgd(etcd).metadata.annotations["nvidia.com/dynamo-discovery-backend"], "etcd");
    });

    it("etcd: points the operator's etcdAddr at the etcd client Service on 2379", () => {
        const url = inClusterUrl(at(platformValues(etcd), "dynamo-operator.etcdAddr"));
        assert.strictEqual(url.scheme, "http:");
        assert.strictEqual(url.port, 2379);
        const service = etcd.manifest("Service", url.name, url.namespace) as unknown as { spec: { ports: { port: number }[] } };
        assert.ok(service.spec.ports.some((pp) => pp.port === 2379));
        assert.strictEqual(etcd.plan.outputs.etcdEndpoint, at(platformValues(etcd), "dynamo-operator.etcdAddr"));
    });

    it("etcd: lets every component's pods through the etcd NetworkPolicy on 2379", () => {
        const policy = etcd.manifest("NetworkPolicy", "etcd") as unknown as NetworkPolicy;
        for (const c of dgd(etcd).spec.components) {
            assert.ok(admits(policy, c.podTemplate.metadata.labels, 2379), c.name);
        }
    });

    it("keeps NATS as the event plane either way", () => {
        for (const p of [kube, etcd]) {
            assert.ok(dgd(p).spec.env.some((e) => e.name === "DYN_EVENT_PLANE" && e.value === "nats"));
            assert.ok(p.resources("kubernetes:helm.sh/v3:Release").some((r) => r.inputs.chart === "nats"));
        }
    });
});
