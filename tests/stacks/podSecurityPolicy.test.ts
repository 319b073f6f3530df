/**
 * The serving namespace's ValidatingAdmissionPolicy, its CEL rules evaluated (cel-js) the way the
 * API server would: it admits every pod the plans create in the namespace and refuses each way
 * past the baseline ceiling (privileged, host namespaces and ports, capabilities beyond baseline
 * and IPC_LOCK, any other host path, Unconfined seccomp, an unmasked /proc), in any container list.
 */
import * as assert from "assert";
import { evaluate } from "@marcbachmann/cel-js";
import { KubernetesObject, podSetsOf } from "../../plan/offline/objects";
import { planStack, StackPlan } from "../helpers/plan";

interface Policy {
    metadata: { name: string };
    spec: {
        matchConstraints: { namespaceSelector: { matchLabels: Record<string, string> }; resourceRules: { resources: string[] }[] };
        validations: { expression: string; message: string }[];
    };
}
interface Binding {
    spec: { policyName: string; validationActions: string[]; matchResources: { namespaceSelector: unknown } };
}

interface Container {
    name: string;
    securityContext?: unknown;
    ports?: unknown[];
}
/** The pod spec fields the hostile cases edit. */
interface Spec {
    containers: Container[];
    initContainers: Container[];
    ephemeralContainers?: Container[];
    volumes: unknown[];
    hostNetwork?: boolean;
    hostPID?: boolean;
    securityContext?: unknown;
}
type Pod = { metadata: { name: string }; spec: Spec };

/** The messages of the rules that refuse the pod. */
function refusals(policy: Policy, pod: Pod): string[] {
    return policy.spec.validations.filter((v) => evaluate(v.expression, { object: pod }) !== true).map((v) => v.message);
}

function servingPods(objects: KubernetesObject[]): Pod[] {
    return objects
        .filter((o) => o.metadata.namespace === "serving")
        .flatMap((o) => podSetsOf(o).map((p) => ({ metadata: { name: p.where }, spec: JSON.parse(JSON.stringify(p.spec)) })));
}

for (const [stack, sets] of [
    ["llama31-pd", []],
    ["llama31-pd", ["graph=dynamo", "dynamoDiscovery=etcd", "benchmark=true", "accuracyEval=true"]],
    ["dev", ["graph=dynamo"]],
] as [string, string[]][]) {
    describe(`stacks: the serving namespace's pod admission policy, ${stack} ${sets.join(" ")}`, function () {
        let plan: StackPlan;
        let policy: Policy;
        before(async () => {
            plan = await planStack(stack, sets);
            policy = plan.manifest("ValidatingAdmissionPolicy", "serving-pod-ceiling") as unknown as Policy;
        });

        it("is bound with Deny to the serving namespace's pods and their ephemeral containers", () => {
            const binding = plan.manifest("ValidatingAdmissionPolicyBinding", "serving-pod-ceiling") as unknown as Binding;
            assert.strictEqual(binding.spec.policyName, policy.metadata.name);
            assert.deepStrictEqual(binding.spec.validationActions, ["Deny"]);
            assert.deepStrictEqual(policy.spec.matchConstraints.namespaceSelector.matchLabels, {
                "kubernetes.io/metadata.name": "serving",
            });
            assert.deepStrictEqual(policy.spec.matchConstraints.resourceRules[0].resources, ["pods", "pods/ephemeralcontainers"]);
        });

        it("admits every pod the plan creates in the namespace", () => {
            const pods = servingPods(plan.manifests());
            assert.ok(pods.length >= 5);
            for (const pod of pods) {
                assert.deepStrictEqual(refusals(policy, pod), [], pod.metadata.name);
            }
        });

        it("refuses each way past the ceiling, in any container list", () => {
            const worker = servingPods(plan.manifests()).find((p) => /prefill/.test(p.metadata.name));
            assert.ok(worker);
            const hostile: [string, (s: Spec) => void, string][] = [
                ["privileged", (s) => (s.containers[0].securityContext = { privileged: true }), "privileged"],
                [
                    "privileged init container",
                    (s) => s.initContainers.push({ name: "x", securityContext: { privileged: true } }),
                    "privileged",
                ],
                [
                    "privileged ephemeral container",
                    (s) => (s.ephemeralContainers = [{ name: "d", securityContext: { privileged: true } }]),
                    "privileged",
                ],
                ["hostNetwork", (s) => (s.hostNetwork = true), "host's network"],
                ["hostPID", (s) => (s.hostPID = true), "host's network"],
                ["hostPort", (s) => (s.containers[0].ports = [{ containerPort: 8000, hostPort: 8000 }]), "host ports"],
                [
                    "SYS_ADMIN",
                    (s) => (s.containers[0].securityContext = { capabilities: { add: ["IPC_LOCK", "SYS_ADMIN"] } }),
                    "capabilities",
                ],
                ["host root", (s) => s.volumes.push({ name: "root", hostPath: { path: "/" } }), "hostPath"],
                ["sibling of the cache", (s) => s.volumes.push({ name: "kubelet", hostPath: { path: "/var/lib/kubelet" } }), "hostPath"],
                ["Unconfined seccomp", (s) => (s.securityContext = { seccompProfile: { type: "Unconfined" } }), "seccomp"],
                [
                    "Unconfined seccomp, container",
                    (s) => (s.initContainers[0].securityContext = { seccompProfile: { type: "Unconfined" } }),
                    "seccomp",
                ],
                ["Unmasked /proc", (s) => (s.containers[0].securityContext = { procMount: "Unmasked" }), "/proc"],
            ];
            for (const [what, breakIt, message] of hostile) {
                const pod: Pod = JSON.parse(JSON.stringify(worker));
                pod.spec.initContainers ??= [];
                breakIt(pod.spec);
                const refused = refusals(policy, pod);
                assert.ok(
                    refused.some((m) => m.includes(message)),
                    `${what}: refused by ${JSON.stringify(refused)}`,
                );
            }
        });
    });
}
