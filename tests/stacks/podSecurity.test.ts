/**
 * Pod Security of every pod template the plans create, computed from the manifests: each pod
 * meets "restricted", or "baseline" but for the host path and IPC_LOCK exceptions it names; every
 * violation is covered by a named exception the pod needs, and no pod claims one it does not use.
 * Service-account tokens are mounted only in pods whose identity is used.
 */
import * as assert from "assert";
import { POD_SECURITY_EXCEPTIONS } from "../../components/k8s/security";
import { KubernetesObject, podSetsOf } from "../../plan/offline/objects";
import { podSecurityOf } from "../../plan/offline/podSecurity";
import { planStack, StackPlan } from "../helpers/plan";

const CONFIGS: [string, string[]][] = [
    ["llama31-pd", []],
    ["llama31-pd", ["graph=dynamo", "dynamoDiscovery=etcd", "benchmark=true", "accuracyEval=true"]],
    ["dev", ["benchmark=true"]],
    ["dev", ["graph=dynamo"]],
];

interface PodSpecView {
    automountServiceAccountToken?: boolean;
    serviceAccountName?: string;
    volumes?: { name: string; hostPath?: unknown }[];
    containers: { image?: string; resources?: { limits?: Record<string, string> } }[];
    initContainers?: { image?: string }[];
}

interface Pod {
    name: string;
    kind: string;
    spec: PodSpecView;
    annotations: Record<string, string>;
}

function podsOf(objects: KubernetesObject[]): Pod[] {
    return objects.flatMap((o) =>
        podSetsOf(o).map((p) => ({
            name: `${o.metadata.namespace ?? ""}/${p.where}`,
            kind: o.kind,
            spec: p.spec as unknown as PodSpecView,
            annotations: p.annotations,
        })),
    );
}

/** ServiceAccounts whose token buys something: bound to a Role, or an IRSA role. */
function usedServiceAccounts(objects: KubernetesObject[]): Set<string> {
    const used = new Set<string>();
    for (const o of objects) {
        if (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") {
            for (const s of (o as unknown as { subjects?: { kind: string; name: string }[] }).subjects ?? []) {
                if (s.kind === "ServiceAccount") used.add(s.name);
            }
        }
        const annotations = (o.metadata as { annotations?: Record<string, string> }).annotations ?? {};
        if (o.kind === "ServiceAccount" && annotations["eks.amazonaws.com/role-arn"] !== undefined) {
            used.add(o.metadata.name);
        }
    }
    return used;
}

for (const [stack, sets] of CONFIGS) {
    describe(`stacks: Pod Security of ${stack} ${sets.join(" ")}`, function () {
        let plan: StackPlan;
        let pods: Pod[];
        before(async () => {
            plan = await planStack(stack, sets);
            pods = podsOf(plan.manifests());
            assert.ok(pods.length >= 5, `only ${pods.length} pod templates`);
        });

        it("every pod meets restricted, or baseline but for named exceptions; none is uncovered or stale", () => {
            for (const pod of pods) {
                const verdict = podSecurityOf(pod.spec as never, pod.annotations);
                const uncovered = verdict.uncovered.map((v) => `${v.check}: ${v.detail}`);
                assert.deepStrictEqual(uncovered, [], `${pod.name}: violations no named exception covers`);
                assert.deepStrictEqual(verdict.unused, [], `${pod.name}: exceptions it does not need`);
                assert.notStrictEqual(verdict.levelWithExceptions, "privileged", pod.name);
                for (const e of verdict.exceptions) {
                    assert.ok(e in POD_SECURITY_EXCEPTIONS, `${pod.name}: unknown exception ${e}`);
                }
            }
        });

        it("each exception sits only where its reason applies", () => {
            for (const pod of pods) {
                const exceptions = podSecurityOf(pod.spec as never, pod.annotations).exceptions;
                const efa = pod.spec.containers.some((c) => c.resources?.limits?.["vpc.amazonaws.com/efa"] !== undefined);
                const hostPath = (pod.spec.volumes ?? []).some((v) => v.hostPath !== undefined);
                const vllmImage = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c) =>
                    /vllm|dynamo/.test(c.image ?? ""),
                );
                assert.strictEqual(exceptions.includes("capabilities_baseline"), efa, `${pod.name}: IPC_LOCK iff EFA`);
                assert.strictEqual(exceptions.includes("hostPathVolumes"), hostPath, `${pod.name}: host path iff the model cache`);
                if (exceptions.includes("runAsNonRoot")) {
                    assert.ok(vllmImage, `${pod.name}: root outside a vLLM image`);
                }
            }
        });

        it("each namespace's enforced level admits its pods, pinned to the cluster's version", () => {
            const rank = { restricted: 0, baseline: 1, privileged: 2 } as const;
            const cluster = plan.plan.resources.find((r) => r.type === "eks:index:Cluster");
            const version = `v${String((cluster?.inputs as { version?: string } | undefined)?.version)}`;
            for (const ns of plan.manifests().filter((o) => o.kind === "Namespace")) {
                const labels = ns.metadata.labels ?? {};
                const enforce = labels["pod-security.kubernetes.io/enforce"] as keyof typeof rank | undefined;
                if (enforce === undefined) continue;
                assert.strictEqual(labels["pod-security.kubernetes.io/enforce-version"], version, ns.metadata.name);
                for (const pod of pods.filter((p) => p.name.startsWith(`${ns.metadata.name}/`))) {
                    const level = podSecurityOf(pod.spec as never, pod.annotations).level;
                    assert.ok(rank[level] <= rank[enforce], `${pod.name} is ${level}; namespace enforces ${enforce}`);
                }
            }
        });

        it("the summary reports the same levels", () => {
            const summary = plan.plan.summary.podSecurity;
            assert.deepStrictEqual(
                summary.map((e) => e.pod),
                pods.map((p) => p.name).sort((a, b) => a.localeCompare(b)),
            );
            assert.ok(summary.every((e) => e.uncovered.length === 0));
        });

        it("service-account tokens are mounted exactly where they are used", () => {
            const used = usedServiceAccounts(plan.manifests());
            for (const pod of pods) {
                const sa = pod.spec.serviceAccountName;
                const mounts = pod.spec.automountServiceAccountToken;
                if (pod.kind === "DynamoGraphDeployment") {
                    // The operator binds its discovery ServiceAccount to each component pod.
                    assert.notStrictEqual(mounts, false, `${pod.name}: Kubernetes discovery needs the token`);
                    continue;
                }
                assert.strictEqual(mounts, sa !== undefined && used.has(sa), `${pod.name} (ServiceAccount ${sa ?? "default"})`);
            }
        });
    });
}

describe("stacks: Pod Security of the charts' pods our values shape", function () {
    let plan: StackPlan;
    before(async () => {
        plan = await planStack("llama31-pd", ["graph=dynamo", "monitoring=true"]);
    });
    /** The release's value at a dotted path. */
    const value = (chart: string, dotted: string): unknown =>
        dotted.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values(chart));
    const values = (chart: string): Record<string, unknown> => {
        const release = plan.plan.resources.find(
            (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as { chart?: string }).chart === chart,
        );
        assert.ok(release, `no ${chart} release`);
        return (release.inputs as { values: Record<string, unknown> }).values;
    };

    it("NATS: servers, config reloader and exporter are restricted, with no token", () => {
        const spec = {
            ...(value("nats", "podTemplate.merge.spec") as Record<string, unknown>),
            containers: ["container", "reloader", "promExporter"].map((c) => ({
                name: c,
                securityContext: value("nats", `${c}.merge.securityContext`),
            })),
        };
        assert.deepStrictEqual(podSecurityOf(spec).violations, []);
        assert.strictEqual(value("nats", "podTemplate.merge.spec.automountServiceAccountToken"), false);
    });

    it("the load balancer controller is restricted", () => {
        const chart = "aws-load-balancer-controller";
        const spec = {
            securityContext: value(chart, "podSecurityContext"),
            containers: [{ name: "controller", securityContext: value(chart, "securityContext") }],
        };
        assert.deepStrictEqual(podSecurityOf(spec).violations, []);
    });

    it("Grafana runs without the chart's root chown container", () => {
        assert.strictEqual(value("kube-prometheus-stack", "grafana.initChownData.enabled"), false);
    });
});
