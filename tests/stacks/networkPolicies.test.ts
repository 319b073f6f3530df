/**
 * NetworkPolicies of the serving namespace, evaluated on the plan's manifests: every pod is
 * covered (default deny for ingress and egress), each path the system uses is admitted, and the
 * shortcuts an attacker inside the VPC or the cluster would take are not: no client reaches the
 * router, frontend or workers past the key-checking gateway.
 */
import * as assert from "assert";
import { withDynamoComponents } from "../helpers/dynamo";
import { podTemplate } from "../helpers/k8sSchema";
import { allowed, covered, Endpoint, NetworkPolicy } from "../helpers/netpol";
import { planStack, StackPlan } from "../helpers/plan";

const NS = "serving";
const CLIENT: Endpoint = { ip: "10.0.7.7" };
const INTERNET: Endpoint = { ip: "93.184.216.34" };

interface Pod {
    name: string;
    labels: Record<string, string>;
    ports: Record<string, number>;
}

function pods(p: StackPlan): Pod[] {
    return withDynamoComponents(p.manifests())
        .filter((o) => o.metadata.namespace === NS)
        .flatMap((o) => {
            const t = podTemplate(o as never) as
                | {
                      metadata?: { labels?: Record<string, string> };
                      spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] };
                  }
                | undefined;
            if (!t) {
                return [];
            }
            const ports = Object.fromEntries(
                t.spec.containers.flatMap((c) => (c.ports ?? []).filter((x) => x.name).map((x) => [x.name!, x.containerPort])),
            );
            return [{ name: o.metadata.name, labels: t.metadata?.labels ?? {}, ports }];
        });
}

function at(list: Pod[], component: string): Endpoint {
    const pod = list.find((x) => x.labels["app.kubernetes.io/component"] === component || x.labels["app.kubernetes.io/name"] === component);
    assert.ok(pod, `no ${component} pod in ${list.map((x) => x.name).join(", ")}`);
    return { pod: { namespace: NS, labels: pod.labels, ports: pod.ports } };
}

for (const [graph, sets, frontend, workerPort] of [
    ["vllm-router", [], "router", 8000],
    ["dynamo", ["graph=dynamo", "dynamoDiscovery=etcd"], "frontend", 9090],
] as const) {
    describe(`stacks: NetworkPolicies of the serving namespace, graph=${graph}`, function () {
        let list: Pod[];
        let policies: NetworkPolicy[];
        before(async () => {
            const p = await planStack("llama31-pd", [...sets]);
            list = pods(p);
            policies = p.manifests().filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicy[];
        });

        it("covers every pod of the namespace for ingress and egress (default deny)", () => {
            assert.ok(list.length >= 6, list.map((x) => x.name).join(", "));
            for (const pod of list) {
                assert.deepStrictEqual(covered(policies, NS, pod.labels), { ingress: true, egress: true }, pod.name);
            }
            // Any pod, also one a chart or a future change adds, starts denied.
            assert.deepStrictEqual(covered(policies, NS, { app: "added-later" }), { ingress: true, egress: true });
            assert.ok(!allowed(policies, CLIENT, { pod: { namespace: NS, labels: { app: "added-later" } } }, 8080));
        });

        it("admits the paths the system uses", () => {
            const gateway = at(list, "gateway");
            const front = at(list, frontend);
            const [prefill, decode] = [at(list, "prefill"), at(list, "decode")];
            assert.ok(allowed(policies, CLIENT, gateway, 8080), "client -> gateway");
            assert.ok(allowed(policies, gateway, front, 8000), "gateway -> router/frontend");
            assert.ok(allowed(policies, front, prefill, workerPort), "router/frontend -> prefill");
            assert.ok(allowed(policies, front, decode, workerPort), "router/frontend -> decode");
            assert.ok(allowed(policies, decode, prefill, 5600), "decode -> prefill NIXL side channel");
            assert.ok(allowed(policies, at(list, "proof"), gateway, 8080), "smoke test -> gateway");
            assert.ok(allowed(policies, at(list, "proof"), decode, workerPort), "smoke test -> decode metrics");
            const prometheus: Endpoint = { pod: { namespace: "monitoring", labels: { app: "prometheus" } } };
            assert.ok(allowed(policies, prometheus, decode, workerPort), "Prometheus -> decode metrics");
            assert.ok(allowed(policies, at(list, "model-cache"), INTERNET, 443), "model cache -> the hub");
            const dns: Endpoint = { pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } };
            for (const pod of [gateway, front, prefill, decode]) {
                assert.ok(allowed(policies, pod, dns, 53, "UDP"), "DNS");
            }
        });

        it("refuses the shortcuts past the gateway and traffic nothing needs", () => {
            const gateway = at(list, "gateway");
            const front = at(list, frontend);
            const prefill = at(list, "prefill");
            assert.ok(!allowed(policies, CLIENT, front, 8000), "a client reaches the router/frontend past the gateway");
            assert.ok(!allowed(policies, CLIENT, prefill, workerPort), "a client reaches a worker");
            assert.ok(!allowed(policies, gateway, prefill, workerPort), "the gateway reaches a worker");
            assert.ok(!allowed(policies, at(list, "proof"), front, 8000), "the smoke test bypasses the gateway");
            assert.ok(!allowed(policies, CLIENT, at(list, "model-cache"), 80), "anything reaches the model cache");
            assert.ok(!allowed(policies, prefill, INTERNET, 80), "a worker reaches the internet over plain HTTP");
        });
    });
}
