/**
 * components/etcd.ts: Dynamo's service registry. A 3-member etcd must survive the loss of one
 * system node (one member per node, a PDB that keeps quorum, a volume per member), start from a
 * pinned official image (the Bitnami images upstream examples use were withdrawn), find its
 * peers by the DNS names of its headless Service, and accept connections only from the serving
 * graph and its own members. Deployed only with dynamoDiscovery=etcd.
 */

/** Labels of the pods of each Dynamo component (frontend, prefill, decode). */
function dynamoPodLabels(p: StackPlan): Record<string, Record<string, string>> {
    const components = asK8s(withDynamoComponents(p.manifests())).filter((o) => o.kind === DYNAMO_COMPONENT_KIND);
    assert.strictEqual(components.length, 3, "frontend, prefill and decode");
    return Object.fromEntries(
        components.map((o) => [o.metadata.labels!["app.kubernetes.io/component"], o.spec!.template!.metadata!.labels!]),
    );
}
import * as assert from "assert";
import * as path from "path";
import { asK8s, asObject, Container, K8sObject, podTemplate, selects } from "../helpers/k8sSchema";
import { planStack, StackPlan } from "../helpers/plan";
import { DYNAMO_COMPONENT_KIND, withDynamoComponents } from "../helpers/dynamo";

const INFRA_CLIENT = { "pd-serving/infra-client": "true" };

interface ServicePort {
    name?: string;
    port: number;
    targetPort?: number | string;
}
interface ServiceSpec {
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    selector?: Record<string, string>;
    ports: ServicePort[];
}
interface NetworkPolicyPeer {
    podSelector?: { matchLabels?: Record<string, string> };
    namespaceSelector?: unknown;
    ipBlock?: unknown;
}
interface NetworkPolicySpec {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress: { from?: NetworkPolicyPeer[]; ports?: { protocol?: string; port: number }[] }[];
}

function flag(container: Container, name: string): string {
    const values = (container.args ?? []).filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
    assert.strictEqual(values.length, 1, `one --${name}`);
    return values[0];
}

function portNumber(container: Container, port: number | string | undefined): number {
    if (typeof port === "number") {
        return port;
    }
    const found = container.ports?.find((p) => p.name === port);
    assert.ok(found, `container port named ${port}`);
    return found.containerPort;
}

/** Ports a NetworkPolicy admits from pods with these labels (in the policy's namespace). */
function admittedPorts(policy: NetworkPolicySpec, labels: Record<string, string>): number[] {
    return policy.ingress
        .filter((rule) =>
            (rule.from ?? []).some((peer) => peer.podSelector && !peer.namespaceSelector && selects(peer.podSelector.matchLabels, labels)),
        )
        .flatMap((rule) => (rule.ports ?? []).map((p) => p.port))
        .sort((a, b) => a - b);
}

describe("etcd: llama31-pd with graph=dynamo and dynamoDiscovery=etcd", () => {
    let p: StackPlan;
    let sts: K8sObject;
    let etcd: Container;
    let podLabels: Record<string, string>;
    let ns: string;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo", "dynamoDiscovery=etcd"]);
        sts = asObject(p.manifest("StatefulSet", "etcd"));
        etcd = sts.spec!.template!.spec.containers[0];
        podLabels = sts.spec!.template!.metadata!.labels!;
        ns = sts.metadata.namespace!;
    });

    it("is a 3-member StatefulSet in the serving namespace, its selector matching its pods", () => {
        assert.strictEqual(sts.spec?.replicas, 3);
        assert.strictEqual(ns, "serving");
        assert.ok(selects((sts.spec?.selector as { matchLabels: Record<string, string> }).matchLabels, podLabels));
        assert.strictEqual(p.resource("kubernetes:apps/v1:StatefulSet", "etcd").parent, "pd-serving:platform:Etcd::etcd");
    });

    it("runs the pinned official image gcr.io/etcd-development/etcd:v3.6.x, nothing from Bitnami", () => {
        assert.strictEqual(sts.spec?.template?.spec.containers.length, 1);
        assert.match(etcd.image ?? "", /^gcr\.io\/etcd-development\/etcd:v3\.6\.\d+$/);
        assert.ok(!p.render().toLowerCase().includes("bitnami"), "no Bitnami image or chart anywhere in the plan");
    });

    it("puts at most one member on a node (required podAntiAffinity on kubernetes.io/hostname)", () => {
        const terms = sts.spec?.template?.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        assert.strictEqual(terms.length, 1);
        assert.strictEqual(terms[0].topologyKey, "kubernetes.io/hostname");
        assert.ok(selects(terms[0].labelSelector?.matchLabels, podLabels), "the anti-affinity selects the etcd pods themselves");
    });

    it("runs on the system nodes, of which there are at least as many as members", () => {
        assert.deepStrictEqual(sts.spec?.template?.spec.nodeSelector, { "pd-serving/node-pool": "system" });
        assert.deepStrictEqual(sts.spec?.template?.spec.tolerations ?? [], []);
        const system = p.nodeGroup("system").inputs.scalingConfig as { desiredSize: number; minSize: number };
        assert.ok(system.minSize >= 3 && system.desiredSize >= 3, "3 members with required anti-affinity need 3 system nodes");
    });

    it("keeps each member's data on an 8Gi gp3 volume, in a directory of its own on it", () => {
        const [claim] = sts.spec?.volumeClaimTemplates ?? [];
        assert.strictEqual(sts.spec?.volumeClaimTemplates?.length, 1);
        assert.strictEqual(claim.spec.storageClassName, "gp3");
        assert.strictEqual(claim.spec.resources?.requests?.storage, "8Gi");
        p.manifest("StorageClass", claim.spec.storageClassName!); // the class exists in the plan
        const mount = etcd.volumeMounts?.find((m) => m.name === claim.metadata.name);
        assert.ok(mount, "the claim is mounted");
        // A subdirectory etcd creates 0700, so its permission check passes on a fresh volume.
        assert.strictEqual(path.posix.dirname(flag(etcd, "data-dir")!), mount.mountPath);
    });

    it("deletes its volumes with the StatefulSet (pulumi destroy leaves no EBS volume behind), not on scale-in", () => {
        assert.deepStrictEqual(sts.spec!.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
    });

    it("has a PodDisruptionBudget that keeps quorum (minAvailable 2 of 3) over its own pods", () => {
        const pdb = asObject(p.manifest("PodDisruptionBudget", "etcd", ns));
        const spec = pdb.spec as { minAvailable?: number; selector: { matchLabels: Record<string, string> } };
        assert.strictEqual(spec.minAvailable, 2);
        assert.ok(selects(spec.selector.matchLabels, podLabels));
    });

    it("probes readiness on /readyz and liveness on /livez, on the metrics listener", () => {
        assert.deepStrictEqual(etcd.readinessProbe?.httpGet?.path, "/readyz");
        assert.deepStrictEqual(etcd.livenessProbe?.httpGet?.path, "/livez");
        for (const probe of [etcd.readinessProbe, etcd.livenessProbe, etcd.startupProbe]) {
            const port = portNumber(etcd, probe?.httpGet?.port);
            assert.strictEqual(port, 2381);
            assert.strictEqual(flag(etcd, "listen-metrics-urls"), `http://0.0.0.0:${port}`);
        }
    });

    it("lists all 3 members in --initial-cluster by the DNS names of its headless Service", () => {
        const serviceName = sts.spec?.serviceName;
        const peerPort = portNumber(etcd, "peer");
        assert.strictEqual(flag(etcd, "listen-peer-urls"), `http://0.0.0.0:${peerPort}`);
        const members = flag(etcd, "initial-cluster").split(",");
        assert.deepStrictEqual(
            members,
            [0, 1, 2].map((i) => `etcd-${i}=http://etcd-${i}.${serviceName}.${ns}.svc.cluster.local:${peerPort}`),
        );
        // Each member names itself after its pod and advertises the same URL it is listed under.
        assert.strictEqual(flag(etcd, "name"), "$(POD_NAME)");
        assert.deepStrictEqual(etcd.env?.find((e) => e.name === "POD_NAME")?.valueFrom?.fieldRef, { fieldPath: "metadata.name" });
        assert.strictEqual(
            flag(etcd, "initial-advertise-peer-urls"),
            `http://$(POD_NAME).${serviceName}.${ns}.svc.cluster.local:${peerPort}`,
        );
    });

    it("its serviceName is a headless Service over its pods that publishes not-ready members", () => {
        const service = asObject(p.manifest("Service", sts.spec!.serviceName!, ns));
        const spec = service.spec as unknown as ServiceSpec;
        assert.strictEqual(spec.clusterIP, "None");
        assert.strictEqual(spec.publishNotReadyAddresses, true, "members resolve each other before any is ready");
        assert.ok(selects(spec.selector, podLabels));
        assert.ok(
            spec.ports.some((port) => port.port === portNumber(etcd, "peer")),
            "the peer port",
        );
    });

    it("has a client Service on port 2379 that reaches the members' client port", () => {
        const spec = asObject(p.manifest("Service", "etcd", ns)).spec as unknown as ServiceSpec;
        assert.notStrictEqual(spec.clusterIP, "None");
        assert.ok(selects(spec.selector, podLabels));
        const client = spec.ports.find((port) => port.port === 2379);
        assert.ok(client, "port 2379");
        assert.strictEqual(portNumber(etcd, client.targetPort ?? client.port), 2379);
        assert.strictEqual(flag(etcd, "listen-client-urls"), "http://0.0.0.0:2379");
    });

    it("exports etcdEndpoint as that Service's in-cluster URL, which the Dynamo operator injects (etcdAddr)", () => {
        const endpoint = new URL(String(p.plan.outputs.etcdEndpoint));
        assert.strictEqual(endpoint.protocol, "http:");
        const [service, namespace, ...rest] = endpoint.hostname.split(".");
        assert.deepStrictEqual(rest, ["svc", "cluster", "local"]);
        const spec = asObject(p.manifest("Service", service, namespace)).spec as unknown as ServiceSpec;
        assert.ok(spec.ports.some((port) => port.port === Number(endpoint.port)));
        const release = p.resources("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "dynamo-platform");
        const operator = (release?.inputs.values as { "dynamo-operator"?: { etcdAddr?: string } } | undefined)?.["dynamo-operator"];
        assert.strictEqual(operator?.etcdAddr, p.plan.outputs.etcdEndpoint);
    });

    describe("NetworkPolicy", () => {
        let policy: NetworkPolicySpec;
        before(() => {
            policy = asObject(p.manifest("NetworkPolicy", "etcd", ns)).spec as unknown as NetworkPolicySpec;
        });

        it("selects the etcd pods and restricts their ingress", () => {
            assert.ok(selects(policy.podSelector.matchLabels, podLabels));
            assert.deepStrictEqual(policy.policyTypes, ["Ingress"]);
        });

        it("admits only pods labelled pd-serving/infra-client=true (client port) and its own members (client and peer ports)", () => {
            for (const rule of policy.ingress) {
                assert.ok((rule.from ?? []).length > 0, "no rule admits every source");
                for (const peer of rule.from ?? []) {
                    assert.ok(peer.podSelector && !peer.namespaceSelector && !peer.ipBlock, JSON.stringify(peer));
                }
            }
            assert.deepStrictEqual(admittedPorts(policy, INFRA_CLIENT), [2379]);
            assert.deepStrictEqual(admittedPorts(policy, podLabels), [2379, 2380]);
        });

        it("admits the Dynamo frontend, prefill and decode pods (their templates carry the label)", () => {
            for (const [name, labels] of Object.entries(dynamoPodLabels(p))) {
                assert.deepStrictEqual(admittedPorts(policy, labels), [2379], name);
            }
        });

        it("admits no other pod of the plan (e.g. the model cache)", () => {
            const others = asK8s(p.manifests()).filter((o) => podTemplate(o) && o.metadata.namespace === ns && o.metadata.name !== "etcd");
            assert.ok(others.length > 0);
            for (const o of others) {
                assert.deepStrictEqual(admittedPorts(policy, podTemplate(o)?.metadata?.labels ?? {}), [], `${o.kind} ${o.metadata.name}`);
            }
        });
    });
});

describe("etcd: only with dynamoDiscovery=etcd (graph=dynamo or dynamoInfra=true)", () => {
    let router: StackPlan;
    let infra: StackPlan;
    before(async () => {
        router = await planStack("llama31-pd");
        infra = await planStack("llama31-pd", ["dynamoInfra=true", "dynamoDiscovery=etcd"]);
    });

    it("is absent with graph=vllm-router, and etcdEndpoint is null", () => {
        assert.strictEqual(router.plan.config.graph, "vllm-router");
        assert.deepStrictEqual(router.resources("pd-serving:platform:Etcd"), []);
        assert.ok(!asK8s(router.manifests()).some((o) => o.metadata.name.startsWith("etcd")));
        assert.strictEqual(router.plan.outputs.etcdEndpoint, null);
    });

    it("is kept with graph=vllm-router and dynamoInfra=true, with its endpoint exported", () => {
        assert.strictEqual(asObject(infra.manifest("StatefulSet", "etcd")).spec?.replicas, 3);
        assert.strictEqual(infra.plan.outputs.etcdEndpoint, "http://etcd.serving.svc.cluster.local:2379");
        infra.manifest("Service", "etcd", "serving"); // the Service behind the endpoint exists
    });

    it("does not admit the vllm-router pods (they do not carry the infra-client label)", () => {
        const policy = asObject(infra.manifest("NetworkPolicy", "etcd")).spec as unknown as NetworkPolicySpec;
        const routerPods = asK8s(infra.manifests()).filter(
            (o) => podTemplate(o) && o.metadata.labels?.["pd-serving/graph"] === "vllm-router",
        );
        assert.deepStrictEqual(routerPods.map((o) => o.metadata.name).sort(), ["decode", "prefill", "router", "router-gateway"]);
        for (const o of routerPods) {
            assert.strictEqual(podTemplate(o)?.metadata?.labels?.["pd-serving/infra-client"], undefined, o.metadata.name);
            assert.deepStrictEqual(admittedPorts(policy, podTemplate(o)?.metadata?.labels ?? {}), [], o.metadata.name);
        }
    });
});
