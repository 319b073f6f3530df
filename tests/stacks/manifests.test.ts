/**
 * Every Kubernetes object the plan writes (manifests/), for both stacks, both graphs and a few
 * variants, is checked against the Kubernetes schema shipped by the `kubernetes-models` package
 * (types, enums, formats, required fields, and no unknown fields: see tests/helpers/k8sSchema.ts),
 * and its references inside the plan resolve: Service selectors and target ports, StatefulSet
 * service names, storage classes, secret keys, namespaces and the router's worker URLs. It also
 * checks where every pod may run: only GPU workers, the model cache and the device plugins on
 * GPU nodes, everything else on the system nodes.
 */
import * as assert from "assert";
import { REDACTED } from "../../plan/offline/plan";
import {
    allContainers,
    asK8s,
    asObject,
    K8sObject,
    nodeTaint,
    podGpus,
    NodeAffinityOnly,
    requiredNodeLabels,
    podTemplates as templates,
    schemaProblems,
    selects,
    tolerates,
} from "../helpers/k8sSchema";
import { planStack, StackPlan } from "../helpers/plan";
import { DYNAMO_COMPONENT_KIND, withDynamoComponents } from "../helpers/dynamo";
import { hfTokenProblem } from "../../stacks/validate";

const POOL_LABEL = "pd-serving/node-pool";
const CLUSTER_SCOPED = new Set([
    "Namespace",
    "StorageClass",
    "PriorityClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
]);
const HF_CANARY = "hf_MANIFESTS_CANARY_00112233445566778899";

interface Variant {
    stack: string;
    sets: string[];
    graph: "vllm-router" | "dynamo";
}

const VARIANTS: Variant[] = [
    { stack: "llama31-pd", sets: [], graph: "vllm-router" },
    { stack: "llama31-pd", sets: ["graph=dynamo"], graph: "dynamo" },
    { stack: "dev", sets: [], graph: "vllm-router" },
    { stack: "dev", sets: ["graph=dynamo"], graph: "dynamo" },
    { stack: "llama31-pd", sets: ["tensorParallelSize=2"], graph: "vllm-router" },
    {
        stack: "llama31-pd",
        sets: ["endpointScheme=internet-facing", "endpointAllowedCidrs=203.0.113.0/24,198.51.100.0/24"],
        graph: "vllm-router",
    },
    {
        stack: "llama31-pd",
        sets: ["gpuCapacityType=CAPACITY_BLOCK", "gpuCapacityReservationId=cr-02168da1478b509e0"],
        graph: "vllm-router",
    },
    { stack: "dev", sets: ["dynamoInfra=true"], graph: "vllm-router" },
    { stack: "llama31-pd", sets: [`hfToken=${HF_CANARY}`], graph: "vllm-router" },
];

interface ServicePort {
    name?: string;
    port: number;
    targetPort?: number | string;
}

const label = (v: Variant) => [v.stack, ...v.sets].join(" ");

/** A Dynamo component is checked as a core/v1 PodTemplate holding its pod template. */
function asSchemaObject(o: K8sObject): K8sObject {
    return o.kind === DYNAMO_COMPONENT_KIND
        ? ({
              apiVersion: "v1",
              kind: "PodTemplate",
              metadata: { name: o.metadata.name, namespace: o.metadata.namespace },
              template: o.spec?.template,
          } as unknown as K8sObject)
        : o;
}

for (const variant of VARIANTS) {
    describe(`manifests: ${label(variant)}`, () => {
        let p: StackPlan;
        let objects: K8sObject[];
        before(async () => {
            p = await planStack(variant.stack, variant.sets);
            // A DynamoGraphDeployment's components as workloads (its pod templates are checked like theirs).
            objects = asK8s(withDynamoComponents(p.manifests()));
            assert.strictEqual(p.plan.config.graph, variant.graph);
        });

        it("every manifest is valid against its kubernetes-models class, with no unknown fields", () => {
            assert.ok(objects.length >= 3, `${objects.length} objects`);
            const problems = Object.fromEntries(
                objects
                    .map(
                        (o) =>
                            [
                                `${o.metadata.namespace ?? "_cluster"}.${o.kind}.${o.metadata.name}`,
                                schemaProblems(asSchemaObject(o)),
                            ] as const,
                    )
                    .filter(([, found]) => found.length > 0),
            );
            assert.deepStrictEqual(problems, {});
        });

        it("every workload's selector matches its own pod template", () => {
            // The Dynamo operator writes the selectors of the workloads it renders; the API server
            // generates a Job's selector (controller-uid).
            for (const { object, template } of templates(objects).filter(
                ({ object }) => object.kind !== DYNAMO_COMPONENT_KIND && object.kind !== "Job",
            )) {
                const selector = (object.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
                assert.ok(selects(selector, template.metadata?.labels), `${object.kind} ${object.metadata.name}`);
            }
        });

        it("every Service selects the pods of a workload in its namespace, and its target ports exist there", () => {
            const services = objects.filter((o) => o.kind === "Service");
            assert.ok(services.length > 0);
            for (const service of services) {
                const selector = service.spec?.selector as Record<string, string> | undefined;
                const name = `Service ${service.metadata.name}`;
                const targets = templates(objects).filter(
                    ({ object, template }) =>
                        object.metadata.namespace === service.metadata.namespace && selects(selector, template.metadata?.labels),
                );
                assert.ok(targets.length > 0, `${name} selects ${JSON.stringify(selector)}: no pod template has those labels`);
                for (const port of service.spec?.ports as ServicePort[]) {
                    const target = port.targetPort ?? port.port;
                    for (const { object, template } of targets) {
                        const ports = template.spec.containers.flatMap((c) => c.ports ?? []);
                        const found =
                            typeof target === "string"
                                ? ports.some((cp) => cp.name === target)
                                : ports.some((cp) => cp.containerPort === target);
                        assert.ok(
                            found,
                            `${name} port ${port.port} -> ${target}: not a container port of ${object.kind} ${object.metadata.name}`,
                        );
                    }
                }
            }
        });

        it("every PodDisruptionBudget and NetworkPolicy selects pods of the plan (or of the NATS chart)", () => {
            const natsSelector = {
                "app.kubernetes.io/name": "nats",
                "app.kubernetes.io/instance": "nats",
                "app.kubernetes.io/component": "nats",
            };
            const natsInstalled = p.resources("kubernetes:helm.sh/v3:Release").some((r) => r.inputs.chart === "nats");
            for (const o of objects.filter((x) => x.kind === "PodDisruptionBudget" || x.kind === "NetworkPolicy")) {
                const selector =
                    o.kind === "NetworkPolicy"
                        ? (o.spec?.podSelector as { matchLabels?: Record<string, string> }).matchLabels
                        : (o.spec?.selector as { matchLabels?: Record<string, string> }).matchLabels;
                // An empty selector (a namespace's default deny, DNS for all) selects every pod of the namespace.
                const everyPod = selector === undefined || Object.keys(selector).length === 0;
                const own = templates(objects).some(
                    ({ object, template }) =>
                        object.metadata.namespace === o.metadata.namespace && (everyPod || selects(selector, template.metadata?.labels)),
                );
                const chart = natsInstalled && selects(selector, natsSelector);
                assert.ok(own || chart, `${o.kind} ${o.metadata.name} selects ${JSON.stringify(selector)}: no such pods`);
            }
        });

        it("every StatefulSet's serviceName is a headless Service in its namespace that selects its pods", () => {
            const statefulSets = objects.filter((o) => o.kind === "StatefulSet");
            // vllm-router's workers are StatefulSets; the Dynamo graph has etcd's only with etcd discovery.
            assert.ok(statefulSets.length > 0 || variant.graph === "dynamo" || variant.sets.includes("dynamoInfra=true"));
            for (const sts of statefulSets) {
                const service = objects.find(
                    (o) =>
                        o.kind === "Service" &&
                        o.metadata.name === sts.spec?.serviceName &&
                        o.metadata.namespace === sts.metadata.namespace,
                );
                assert.ok(service, `StatefulSet ${sts.metadata.name}: no Service ${sts.spec?.serviceName}`);
                assert.strictEqual(service.spec?.clusterIP, "None", `Service ${service.metadata.name} is headless`);
                assert.ok(selects(service.spec?.selector as Record<string, string>, sts.spec?.template?.metadata?.labels));
            }
        });

        it("every volume claim template names a StorageClass of the plan", () => {
            const classes = new Set(objects.filter((o) => o.kind === "StorageClass").map((o) => o.metadata.name));
            for (const sts of objects.filter((o) => o.kind === "StatefulSet")) {
                for (const claim of sts.spec?.volumeClaimTemplates ?? []) {
                    assert.ok(
                        claim.spec.storageClassName && classes.has(claim.spec.storageClassName),
                        `StatefulSet ${sts.metadata.name} claim ${claim.metadata.name}: StorageClass ${claim.spec.storageClassName} is not in the plan`,
                    );
                }
            }
            const nats = p.resources("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "nats");
            if (nats) {
                const pvc = (nats.inputs.values as { config: { jetstream: { fileStore: { pvc: { storageClassName: string } } } } }).config
                    .jetstream.fileStore.pvc;
                assert.ok(classes.has(pvc.storageClassName), `NATS JetStream StorageClass ${pvc.storageClassName}`);
            }
        });

        it("every secretKeyRef names a Secret of the plan in the pod's namespace that has that key", () => {
            // A gated model plans the Secret even without hfToken (pulumi up will need it).
            const hfTokenSet =
                variant.sets.some((s) => s.startsWith("hfToken=")) || hfTokenProblem(String(p.plan.config.model), false) !== undefined;
            let refs = 0;
            for (const { object, template } of templates(objects)) {
                for (const c of allContainers(template.spec)) {
                    // An optional ref (the proof Jobs' endpoint API key) may name a Secret that does not exist yet.
                    const required = (c.env ?? [])
                        .map((e) => e.valueFrom?.secretKeyRef)
                        .filter((r): r is NonNullable<typeof r> => r !== undefined && !r.optional);
                    for (const ref of required) {
                        refs++;
                        const secret = objects.find(
                            (o) =>
                                o.kind === "Secret" && o.metadata.name === ref.name && o.metadata.namespace === object.metadata.namespace,
                        );
                        assert.ok(secret, `${object.kind} ${object.metadata.name}/${c.name}: no Secret ${ref.name}`);
                        const keys = Object.keys({ ...(secret.data as object | undefined), ...(secret.stringData as object | undefined) });
                        assert.ok(
                            keys.includes(ref.key),
                            `${object.kind} ${object.metadata.name}/${c.name}: Secret ${ref.name} has ${keys.join(", ")}, not ${ref.key}`,
                        );
                    }
                }
            }
            if (hfTokenSet) {
                assert.ok(refs > 0, "the hf token is read from its Secret");
                assert.deepStrictEqual(asObject(p.manifest("Secret", "hf-token")).stringData, { HF_TOKEN: REDACTED });
                assert.ok(!p.render([]).includes(HF_CANARY));
            } else {
                // Only the API gateway's key remains (the gateway and the proof Jobs read it).
                assert.ok(
                    !JSON.stringify(objects).includes('"name":"hf-token"'),
                    "no Secret for an ungated model without hfToken, so no reference to one",
                );
            }
        });

        it("every namespace used (objects and Helm releases) exists as a Namespace of the plan, or is kube-system", () => {
            const namespaces = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
            for (const o of objects) {
                if (CLUSTER_SCOPED.has(o.kind)) {
                    assert.strictEqual(o.metadata.namespace, undefined, `${o.kind} ${o.metadata.name} is cluster-scoped`);
                    continue;
                }
                assert.ok(o.metadata.namespace, `${o.kind} ${o.metadata.name} names its namespace (not the default)`);
                assert.ok(
                    namespaces.has(o.metadata.namespace),
                    `${o.kind} ${o.metadata.name}: namespace ${o.metadata.namespace} is not created`,
                );
            }
            for (const release of p.resources("kubernetes:helm.sh/v3:Release")) {
                const ns = String(release.inputs.namespace);
                assert.ok(ns === "kube-system" || namespaces.has(ns), `Helm release ${release.name}: namespace ${ns}`);
            }
        });

        it("only GPU workers and the model cache may run on GPU nodes; every other pod selects the system pool", () => {
            const taints = (p.nodeGroup("gpu").inputs.taints as { key: string; value?: string; effect: string }[]).map(nodeTaint);
            assert.ok(taints.length > 0);
            for (const { object, template } of templates(objects)) {
                const name = `${object.kind} ${object.metadata.name}`;
                const pool = template.spec.nodeSelector?.[POOL_LABEL];
                const onGpuNodes = pool === "gpu" || taints.every((t) => tolerates(template.spec.tolerations, t));
                const gpuWorkload = podGpus(template.spec) > 0 || (object.kind === "DaemonSet" && object.metadata.name === "model-cache");
                if (gpuWorkload) {
                    assert.strictEqual(pool, "gpu", name);
                } else {
                    assert.strictEqual(pool, "system", name);
                    assert.ok(!onGpuNodes, `${name} tolerates the GPU taint`);
                }
            }
        });

        it("Helm charts and the EBS CSI controller: device plugins and the DCGM exporter on GPU nodes, everything else on the system nodes", () => {
            for (const release of p.resources("kubernetes:helm.sh/v3:Release")) {
                const values = release.inputs.values as {
                    nodeSelector?: Record<string, string>;
                    podTemplate?: { merge?: { spec?: { nodeSelector?: Record<string, string> } } };
                    "dynamo-operator"?: { controllerManager?: { affinity?: NodeAffinityOnly } };
                };
                if (release.inputs.chart === "kube-prometheus-stack") {
                    // One selector per component (node-exporter alone runs on every node).
                    const v = release.inputs.values as Record<string, { nodeSelector?: Record<string, string> } & Record<string, unknown>>;
                    const components = {
                        prometheus: (v.prometheus.prometheusSpec as { nodeSelector?: Record<string, string> }).nodeSelector,
                        alertmanager: (v.alertmanager.alertmanagerSpec as { nodeSelector?: Record<string, string> }).nodeSelector,
                        grafana: v.grafana.nodeSelector,
                        operator: v.prometheusOperator.nodeSelector,
                        "kube-state-metrics": v["kube-state-metrics"].nodeSelector,
                    };
                    for (const [component, selector] of Object.entries(components)) {
                        assert.strictEqual(selector?.[POOL_LABEL], "system", `kube-prometheus-stack ${component}`);
                    }
                    continue;
                }
                const selector =
                    values.nodeSelector ??
                    values.podTemplate?.merge?.spec?.nodeSelector ??
                    requiredNodeLabels(values["dynamo-operator"]?.controllerManager?.affinity);
                const gpuCharts = ["nvidia-device-plugin", "aws-efa-k8s-device-plugin", "dcgm-exporter"];
                const plugin = gpuCharts.includes(String(release.inputs.chart));
                assert.strictEqual(selector?.[POOL_LABEL], plugin ? "gpu" : "system", `Helm release ${release.name}`);
            }
            const addon = p.resource("aws:eks/addon:Addon", "storage-ebs-csi");
            const config = JSON.parse(String(addon.inputs.configurationValues)) as { controller: { nodeSelector: Record<string, string> } };
            assert.strictEqual(config.controller.nodeSelector[POOL_LABEL], "system");
        });

        if (variant.graph === "vllm-router") {
            it("the router's discovery selectors select exactly the worker pods of each role, on a port they declare", () => {
                const router = asObject(p.manifest("Deployment", "router"));
                const args = router.spec?.template?.spec.containers[0].args ?? [];
                const valuesOf = (flag: string) => {
                    const rest = args.slice(args.indexOf(flag) + 1);
                    const end = rest.findIndex((a) => a.startsWith("--"));
                    return end < 0 ? rest : rest.slice(0, end);
                };
                const port = Number(args[args.indexOf("--service-discovery-port") + 1]);
                const namespace = args[args.indexOf("--service-discovery-namespace") + 1];
                assert.strictEqual(namespace, router.metadata.namespace);
                for (const role of ["prefill", "decode"]) {
                    const selector = Object.fromEntries(valuesOf(`--${role}-selector`).map((kv) => kv.split("=", 2)));
                    assert.ok(Object.keys(selector).length > 0, `--${role}-selector`);
                    const selected = templates(objects).filter(
                        ({ object, template }) =>
                            object.metadata.namespace === namespace &&
                            Object.entries(selector).every(([k, v]) => template.metadata?.labels?.[k] === v),
                    );
                    assert.deepStrictEqual(
                        selected.map(({ object }) => `${object.kind}/${object.metadata.name}`),
                        [`StatefulSet/${role}`],
                        `--${role}-selector ${JSON.stringify(selector)}`,
                    );
                    const ports = selected[0].template.spec.containers[0].ports ?? [];
                    assert.ok(
                        ports.some((cp) => cp.containerPort === port),
                        `${role}: --service-discovery-port ${port} is a container port`,
                    );
                }
            });
        } else {
            it("has no vllm-router objects, and the Dynamo pods find etcd and NATS by Services of the plan or the NATS release", () => {
                assert.ok(!objects.some((o) => o.metadata.labels?.["pd-serving/graph"] === "vllm-router"));
                const services = new Set(
                    objects.filter((o) => o.kind === "Service").map((o) => `${o.metadata.name}.${o.metadata.namespace}`),
                );
                const nats = p.resources("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "nats")!;
                services.add(`${nats.inputs.name}.${nats.inputs.namespace}`);
                for (const { object, template } of templates(objects).filter(
                    ({ object }) => object.metadata.labels?.["pd-serving/graph"] === "dynamo",
                )) {
                    for (const c of allContainers(template.spec)) {
                        for (const e of (c.env ?? []).filter((x) => ["ETCD_ENDPOINTS", "NATS_SERVER", "NATS_MONITOR"].includes(x.name))) {
                            const host = new URL(String(e.value)).hostname.split(".");
                            assert.deepStrictEqual(
                                host.slice(2),
                                ["svc", "cluster", "local"],
                                `${object.metadata.name}/${c.name} ${e.name}`,
                            );
                            assert.ok(services.has(`${host[0]}.${host[1]}`), `${object.metadata.name}/${c.name} ${e.name}=${e.value}`);
                        }
                    }
                }
            });
        }
    });
}
