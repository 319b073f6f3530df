/**
 * components/nats.ts: Dynamo's event plane. A 3-server NATS cluster with JetStream on a gp3
 * file-store volume per server, one server per system node, a PDB, the monitor port (Dynamo's
 * pods wait on its /healthz), max_payload raised above the 1 MiB default for long contexts, and a
 * NetworkPolicy that admits only the serving graph's pods and the servers themselves.
 */
import * as assert from "assert";
import { asK8s, asObject, K8sObject, podTemplate, selects } from "../helpers/k8sSchema";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";
import { DYNAMO_COMPONENT_KIND, withDynamoComponents } from "../helpers/dynamo";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const INFRA_CLIENT = { "pd-serving/infra-client": "true" };
const CLIENT_PORT = 4222;
const CLUSTER_PORT = 6222;
const MONITOR_PORT = 8222;
/** nats-server's default max_payload (1 MiB) and max_pending (64 MiB), which max_payload may not exceed. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const MAX_PENDING = 64 * 1024 * 1024;

interface NatsValues {
    container: { image: { repository: string; tag: string } };
    config: {
        cluster: { enabled: boolean; replicas: number };
        jetstream: {
            enabled: boolean;
            fileStore: { enabled: boolean; dir?: string; pvc: { enabled: boolean; size: string; storageClassName: string } };
            memoryStore?: { enabled: boolean };
        };
        monitor: { enabled: boolean; port: number };
        merge?: { max_payload?: number };
    };
    podTemplate: {
        merge?: { spec?: { nodeSelector?: Record<string, string> } };
        topologySpreadConstraints?: Record<string, { maxSkew: number; whenUnsatisfiable: string }>;
    };
    podDisruptionBudget: { enabled: boolean };
    natsBox?: { enabled: boolean };
    statefulSet?: { merge?: { spec?: { persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string } } } };
}
interface NetworkPolicySpec {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress: {
        from?: { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: unknown }[];
        ports?: { port: number }[];
    }[];
}

function natsReleases(p: StackPlan): PlannedResource[] {
    return p.resources(RELEASE).filter((r) => r.inputs.chart === "nats");
}

function admittedPorts(policy: NetworkPolicySpec, labels: Record<string, string>): number[] {
    return policy.ingress
        .filter((rule) =>
            (rule.from ?? []).some((peer) => peer.podSelector && !peer.namespaceSelector && selects(peer.podSelector.matchLabels, labels)),
        )
        .flatMap((rule) => (rule.ports ?? []).map((p) => p.port))
        .sort((a, b) => a - b);
}

describe("nats: llama31-pd with graph=dynamo", () => {
    let p: StackPlan;
    let release: PlannedResource;
    let values: NatsValues;
    let policy: NetworkPolicySpec;
    /** The chart's selector labels of the server pods (nats 2.14.2 _helpers.tpl (unchanged since 1.3.16) nats.selectorLabels). */
    let serverLabels: Record<string, string>;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo"]);
        const found = natsReleases(p);
        assert.strictEqual(found.length, 1);
        release = found[0];
        values = release.inputs.values as NatsValues;
        policy = asObject(p.manifest("NetworkPolicy", "nats")).spec as unknown as NetworkPolicySpec;
        serverLabels = {
            "app.kubernetes.io/name": String(release.inputs.chart),
            "app.kubernetes.io/instance": String(release.inputs.name),
            "app.kubernetes.io/component": "nats",
        };
    });

    it("installs the official nats chart 2.14.2 from nats-io's repository into the serving namespace", () => {
        assert.strictEqual(release.inputs.chart, "nats");
        assert.strictEqual(release.inputs.version, "2.14.2");
        assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://nats-io.github.io/k8s/helm/charts/" });
        assert.strictEqual(release.inputs.namespace, "serving");
        p.manifest("Namespace", "serving");
        assert.strictEqual(release.parent, "pd-serving:platform:Nats::nats");
    });

    it("pins the server image to a version tag", () => {
        assert.strictEqual(values.container.image.repository, "nats");
        assert.match(values.container.image.tag, /^\d+\.\d+\.\d+(-alpine)?$/);
        // The chart's own default for 2.14.2 (values.yaml @nats-2.14.2): server and chart move together.
        assert.strictEqual(values.container.image.tag, "2.14.2-alpine");
    });

    it("runs a 3-server cluster", () => {
        assert.strictEqual(values.config.cluster.enabled, true);
        assert.strictEqual(values.config.cluster.replicas, 3);
    });

    it("enables JetStream on a 10Gi file-store PVC of the gp3 StorageClass the plan creates", () => {
        const js = values.config.jetstream;
        assert.strictEqual(js.enabled, true);
        assert.strictEqual(js.fileStore.enabled, true);
        assert.strictEqual(js.fileStore.pvc.enabled, true);
        assert.strictEqual(js.fileStore.pvc.size, "10Gi");
        assert.strictEqual(js.fileStore.pvc.storageClassName, "gp3");
        p.manifest("StorageClass", js.fileStore.pvc.storageClassName);
    });

    it("raises max_payload above the 1 MiB default (and keeps it within max_pending)", () => {
        const maxPayload = values.config.merge?.max_payload ?? DEFAULT_MAX_PAYLOAD;
        assert.ok(maxPayload > DEFAULT_MAX_PAYLOAD, `max_payload ${maxPayload}`);
        assert.ok(maxPayload <= MAX_PENDING, `max_payload ${maxPayload}`);
        assert.strictEqual(maxPayload, 10 * 1024 * 1024);
    });

    it("deletes the JetStream volumes with the StatefulSet (pulumi destroy leaves no EBS volume behind)", () => {
        assert.deepStrictEqual(values.statefulSet?.merge?.spec?.persistentVolumeClaimRetentionPolicy, {
            whenDeleted: "Delete",
            whenScaled: "Retain",
        });
    });

    it("keeps the chart's PodDisruptionBudget", () => {
        assert.strictEqual(values.podDisruptionBudget.enabled, true);
    });

    it("serves monitoring on port 8222", () => {
        assert.deepStrictEqual(values.config.monitor, { enabled: true, port: MONITOR_PORT });
    });

    it("runs one server per system node: a hostname topology spread that does not schedule a second", () => {
        assert.deepStrictEqual(values.podTemplate.topologySpreadConstraints, {
            "kubernetes.io/hostname": { maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" },
        });
        assert.deepStrictEqual(values.podTemplate.merge?.spec?.nodeSelector, { "pd-serving/node-pool": "system" });
        const system = p.nodeGroup("system").inputs.scalingConfig as { minSize: number };
        assert.ok(system.minSize >= values.config.cluster.replicas, "a system node for every server");
    });

    it("exports natsEndpoint as the client Service of the release (its name and namespace) on port 4222", () => {
        // nats.fullname is the release name when it contains the chart name.
        assert.ok(String(release.inputs.name).includes(String(release.inputs.chart)));
        assert.strictEqual(
            p.plan.outputs.natsEndpoint,
            `nats://${release.inputs.name}.${release.inputs.namespace}.svc.cluster.local:${CLIENT_PORT}`,
        );
    });

    // nats chart 2.14.2 (as 1.3.16) leaves service.ports.monitor.enabled false: without it the `nats` Service
    // has no port 8222 and the Dynamo pods' wait on NATS_MONITOR (.../healthz) never succeeds.
    it("exposes the monitor port on the client Service that NATS_MONITOR points at", () => {
        const service = values as unknown as { service?: { enabled?: boolean; ports?: { monitor?: { enabled?: boolean } } } };
        assert.notStrictEqual(service.service?.enabled, false);
        assert.strictEqual(service.service?.ports?.monitor?.enabled, true, "chart default: monitor port not in the Service");
    });

    it("is the address the Dynamo operator injects into its pods as NATS_SERVER (natsAddr)", () => {
        const platform = p.resources("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "dynamo-platform");
        const operator = (platform?.inputs.values as { "dynamo-operator"?: { natsAddr?: string } } | undefined)?.["dynamo-operator"];
        assert.strictEqual(operator?.natsAddr, p.plan.outputs.natsEndpoint);
    });

    describe("NetworkPolicy", () => {
        it("is in the release's namespace and selects the chart's server pods", () => {
            const object = asObject(p.manifest("NetworkPolicy", "nats"));
            assert.strictEqual(object.metadata.namespace, release.inputs.namespace);
            assert.ok(selects(policy.podSelector.matchLabels, serverLabels), JSON.stringify(policy.podSelector));
            assert.deepStrictEqual(policy.policyTypes, ["Ingress"]);
        });

        it("admits pods labelled pd-serving/infra-client=true on the client and monitor ports only", () => {
            assert.deepStrictEqual(admittedPorts(policy, INFRA_CLIENT), [CLIENT_PORT, MONITOR_PORT]);
        });

        it("admits its own servers on the cluster (route) port", () => {
            assert.ok(admittedPorts(policy, serverLabels).includes(CLUSTER_PORT));
        });

        it("has no rule that admits every source, another namespace or an IP block", () => {
            for (const rule of policy.ingress) {
                assert.ok((rule.from ?? []).length > 0);
                for (const peer of rule.from ?? []) {
                    assert.ok(peer.podSelector && !peer.namespaceSelector && !peer.ipBlock, JSON.stringify(peer));
                }
            }
        });

        it("admits the Dynamo frontend, prefill and decode pods (their templates carry the label)", () => {
            const components = asK8s(withDynamoComponents(p.manifests())).filter((o) => o.kind === DYNAMO_COMPONENT_KIND);
            assert.strictEqual(components.length, 3, "frontend, prefill and decode");
            for (const o of components) {
                const labels = o.spec?.template?.metadata?.labels ?? {};
                assert.deepStrictEqual(admittedPorts(policy, labels), [CLIENT_PORT, MONITOR_PORT], o.metadata.name);
            }
        });

        it("admits no other pod of the plan", () => {
            const others: K8sObject[] = asK8s(p.manifests()).filter((o) => podTemplate(o) !== undefined);
            assert.ok(others.length > 0);
            for (const o of others) {
                assert.deepStrictEqual(admittedPorts(policy, podTemplate(o)?.metadata?.labels ?? {}), [], `${o.kind} ${o.metadata.name}`);
            }
        });
    });
});

describe("nats: only with graph=dynamo or dynamoInfra=true", () => {
    let router: StackPlan;
    let infra: StackPlan;
    before(async () => {
        router = await planStack("dev");
        infra = await planStack("dev", ["dynamoInfra=true"]);
    });

    it("is absent with graph=vllm-router, and natsEndpoint is null", () => {
        assert.strictEqual(router.plan.config.graph, "vllm-router");
        assert.deepStrictEqual(natsReleases(router), []);
        assert.ok(!asK8s(router.manifests()).some((o) => o.kind === "NetworkPolicy" && o.metadata.name.startsWith("nats")));
        assert.strictEqual(router.plan.outputs.natsEndpoint, null);
    });

    it("is kept with dynamoInfra=true, endpoint exported, and does not admit the vllm-router pods", () => {
        assert.strictEqual(natsReleases(infra).length, 1);
        assert.strictEqual(infra.plan.outputs.natsEndpoint, "nats://nats.serving.svc.cluster.local:4222");
        const policy = asObject(infra.manifest("NetworkPolicy", "nats")).spec as unknown as NetworkPolicySpec;
        const routerPods = asK8s(infra.manifests()).filter(
            (o) => podTemplate(o) && o.metadata.labels?.["pd-serving/graph"] === "vllm-router",
        );
        assert.strictEqual(routerPods.length, 4, "router, its gateway, prefill, decode");
        for (const o of routerPods) {
            assert.deepStrictEqual(admittedPorts(policy, podTemplate(o)?.metadata?.labels ?? {}), [], o.metadata.name);
        }
    });
});
