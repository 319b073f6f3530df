/**
 * components/vllmRouterGraph.ts: vllm-router (vllm-project/router v0.1.15) in P/D mode over
 * `vllm serve` pods. The router must find exactly the prefill and the decode pods through the
 * Kubernetes API (selectors by role label, in its namespace, on the port the pods serve), be
 * allowed to (a namespaced Role: pods get/list/watch), run the configured P/D policies, check
 * workers every few seconds, not log prompts, and expose its metrics; the workers must be set up
 * for NIXL with LIBFABRIC exactly when EFA is on.
 */
import * as assert from "assert";
import { planStack, StackPlan } from "../helpers/plan";
import { Container } from "../helpers/k8sSchema";

interface Workload {
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec: {
        replicas?: number;
        serviceName?: string;
        template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
    };
}
type Role = "prefill" | "decode";
const ROLES: Role[] = ["prefill", "decode"];

function statefulSet(p: StackPlan, role: Role): Workload {
    const found = p.manifests().filter((o) => o.kind === "StatefulSet" && o.metadata.labels?.["app.kubernetes.io/component"] === role);
    assert.strictEqual(found.length, 1, `one ${role} StatefulSet`);
    return found[0] as unknown as Workload;
}

function router(p: StackPlan): { deployment: Workload; container: Container } {
    const deployment = p.manifest("Deployment", "router") as unknown as Workload;
    const container = deployment.spec.template.spec.containers.find((c) => c.command?.[0] === "vllm-router");
    assert.ok(container, "no container runs vllm-router");
    return { deployment, container };
}

/** Every value given after `flag`. */
function argValues(args: string[], flag: string): string[] {
    return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));
}

function argValue(args: string[], flag: string): string | undefined {
    const values = argValues(args, flag);
    assert.ok(values.length <= 1, `${flag} given ${values.length} times`);
    return values[0];
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The container port a Service or probe port (number or name) refers to. */
function containerPort(c: Container, port: number | string | undefined): number | undefined {
    return typeof port === "number" ? port : c.ports?.find((cp) => cp.name === port)?.containerPort;
}

/** The values after a multi-value flag, up to the next flag. */
function multiValues(args: string[], flag: string): string[] {
    const i = args.indexOf(flag);
    assert.ok(i >= 0, `no ${flag}`);
    const rest = args.slice(i + 1);
    const end = rest.findIndex((a) => a.startsWith("--"));
    return end < 0 ? rest : rest.slice(0, end);
}

/** A vllm-router selector (`k=v` values, all must match) as a label map. */
function selectorOf(values: string[]): Record<string, string> {
    return Object.fromEntries(values.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

interface KvTransferConfig {
    kv_connector?: string;
    kv_role?: string;
    kv_load_failure_policy?: string;
    kv_connector_extra_config?: { backends?: string[]; kv_load_failure_policy?: string };
}

interface RbacObject {
    metadata: { name: string; namespace?: string };
    rules?: { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[];
    roleRef?: { kind: string; name: string; apiGroup: string };
    subjects?: { kind: string; name: string; namespace?: string }[];
}

function kvTransferConfig(c: Container): KvTransferConfig {
    const text = argValue(c.args ?? [], "--kv-transfer-config");
    assert.ok(text, `${c.name}: no --kv-transfer-config`);
    return JSON.parse(text) as KvTransferConfig;
}

describe("vllm-router graph: llama31-pd (8 + 8 on EFA)", () => {
    let p: StackPlan;
    let r: { deployment: Workload; container: Container };
    let args: string[];
    before(async () => {
        p = await planStack("llama31-pd");
        r = router(p);
        args = r.container.args ?? [];
    });

    it("runs 8 prefill and 8 decode StatefulSet pods and frontendReplicas (2) routers", () => {
        assert.strictEqual(statefulSet(p, "prefill").spec.replicas, 8);
        assert.strictEqual(statefulSet(p, "decode").spec.replicas, 8);
        assert.strictEqual(r.deployment.spec.replicas, 2);
    });

    it("workers run `vllm serve <model>` (an explicit command: the DLC image's entrypoint is a script)", () => {
        for (const role of ROLES) {
            const c = statefulSet(p, role).spec.template.spec.containers[0];
            assert.deepStrictEqual(c.command, ["vllm", "serve"], role);
            assert.strictEqual(c.args?.[0], "meta-llama/Llama-3.1-8B-Instruct", role);
        }
    });

    it('passes NixlConnector in kv_both with backends ["LIBFABRIC"] and kv_load_failure_policy recompute (top level) to both roles', () => {
        const configs = ROLES.map((role) => kvTransferConfig(statefulSet(p, role).spec.template.spec.containers[0]));
        for (const config of configs) {
            assert.strictEqual(config.kv_connector, "NixlConnector");
            assert.strictEqual(config.kv_role, "kv_both");
            assert.deepStrictEqual(config.kv_connector_extra_config?.backends, ["LIBFABRIC"]);
            assert.strictEqual(config.kv_load_failure_policy, "recompute");
            assert.strictEqual(config.kv_connector_extra_config?.kv_load_failure_policy, undefined, "vLLM reads it at the top level");
        }
        assert.deepStrictEqual(configs[0], configs[1], "both roles share the connector config");
    });

    it("drains workers with --shutdown-timeout inside the termination grace period, after the preStop sleep", () => {
        for (const role of ROLES) {
            const pod = statefulSet(p, role).spec.template.spec as unknown as {
                terminationGracePeriodSeconds: number;
                containers: (Container & { lifecycle?: { preStop?: { exec?: { command?: string[] } } } })[];
            };
            const c = pod.containers[0];
            const drain = Number(argValue(c.args ?? [], "--shutdown-timeout"));
            const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1]);
            assert.ok(drain >= 30, `${role}: drain ${drain}s`);
            assert.ok(
                preStop + drain < pod.terminationGracePeriodSeconds,
                `${role}: ${preStop} + ${drain} < ${pod.terminationGracePeriodSeconds}`,
            );
        }
    });

    it("runs the router in vLLM P/D mode with cache_aware (prefix affinity) for prefill and power_of_two for decode by default", () => {
        assert.deepStrictEqual(r.container.command, ["vllm-router"]);
        assert.ok(args.includes("--vllm-pd-disaggregation"), args.join(" "));
        assert.strictEqual(argValue(args, "--prefill-policy"), "cache_aware");
        assert.strictEqual(argValue(args, "--decode-policy"), "power_of_two");
        assert.strictEqual(argValue(args, "--policy"), undefined, "the P/D policies decide");
    });

    it("listens on 0.0.0.0 and serves Prometheus metrics on 0.0.0.0:29000, a declared port", () => {
        assert.strictEqual(argValue(args, "--host"), "0.0.0.0");
        assert.strictEqual(argValue(args, "--prometheus-host"), "0.0.0.0");
        assert.strictEqual(argValue(args, "--prometheus-port"), "29000");
        assert.ok(r.container.ports?.some((cp) => cp.containerPort === 29000));
        const port = Number(argValue(args, "--port"));
        assert.ok(
            r.container.ports?.some((cp) => cp.name === "http" && cp.containerPort === port),
            `--port ${port} is the http port`,
        );
    });

    it("health-checks workers every few seconds and logs at warn (info logs requests, prompts included)", () => {
        const interval = Number(argValue(args, "--health-check-interval-secs"));
        assert.ok(interval > 0 && interval <= 10, `--health-check-interval-secs ${interval}`);
        assert.strictEqual(argValue(args, "--log-level"), "warn");
    });

    it("finds workers by Kubernetes discovery in its own namespace, not by static URLs", () => {
        assert.ok(args.includes("--service-discovery"), args.join(" "));
        assert.strictEqual(argValue(args, "--service-discovery-namespace"), r.deployment.metadata.namespace);
        assert.deepStrictEqual(argValues(args, "--prefill"), []);
        assert.deepStrictEqual(argValues(args, "--decode"), []);
    });

    for (const role of ROLES) {
        it(`--${role}-selector selects the ${role} pods and no pod of the other role, on the port vllm serve listens on`, () => {
            const selector = selectorOf(multiValues(args, `--${role}-selector`));
            const other = statefulSet(p, role === "prefill" ? "decode" : "prefill");
            assert.ok(selects(selector, statefulSet(p, role).spec.template.metadata.labels), JSON.stringify(selector));
            assert.ok(
                !selects(selector, other.spec.template.metadata.labels),
                `${JSON.stringify(selector)} also selects ${other.metadata.name}`,
            );
            assert.ok(!selects(selector, r.deployment.spec.template.metadata.labels), "not the router");
            const worker = statefulSet(p, role).spec.template.spec.containers[0];
            assert.strictEqual(Number(argValue(args, "--service-discovery-port")), Number(argValue(worker.args ?? [], "--port")));
            assert.strictEqual(Number(argValue(worker.args ?? [], "--port")), containerPort(worker, "http"));
        });
    }

    it("runs the router as a ServiceAccount bound to a Role of its namespace that may get, list and watch pods (nothing more)", () => {
        const ns = r.deployment.metadata.namespace!;
        const sa = (r.deployment.spec.template.spec as unknown as { serviceAccountName?: string }).serviceAccountName;
        assert.ok(sa, "the router has its own ServiceAccount");
        p.manifest("ServiceAccount", sa, ns);
        const binding = p
            .manifests()
            .find(
                (o) =>
                    o.kind === "RoleBinding" &&
                    (o as unknown as RbacObject).subjects?.some((s) => s.kind === "ServiceAccount" && s.name === sa),
            ) as unknown as RbacObject | undefined;
        assert.ok(binding, `no RoleBinding for ServiceAccount ${sa}`);
        assert.strictEqual(binding.metadata.namespace, ns);
        assert.strictEqual(binding.roleRef?.kind, "Role", "namespaced, not a ClusterRole");
        const role = p.manifest("Role", binding.roleRef!.name, ns) as unknown as RbacObject;
        assert.deepStrictEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
        assert.ok(!p.manifests().some((o) => o.kind === "ClusterRoleBinding"), "no cluster-wide grant");
    });

    it("is ready on /readiness, with startup and liveness probes too", () => {
        assert.strictEqual(r.container.readinessProbe?.httpGet?.path, "/readiness");
        assert.ok(r.container.startupProbe && r.container.livenessProbe);
    });
});

describe("vllm-router graph: dev (no EFA)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("dev");
    });

    it("passes NixlConnector in kv_both without the LIBFABRIC backend (NIXL's UCX default)", () => {
        for (const role of ROLES) {
            const config = kvTransferConfig(statefulSet(p, role).spec.template.spec.containers[0]);
            assert.strictEqual(config.kv_connector, "NixlConnector", role);
            assert.strictEqual(config.kv_role, "kv_both", role);
            assert.ok(!JSON.stringify(config).includes("LIBFABRIC"), `${role}: ${JSON.stringify(config)}`);
        }
    });

    it("runs 1 + 1 workers and one router (frontendReplicas 1), found by discovery", () => {
        assert.strictEqual(statefulSet(p, "prefill").spec.replicas, 1);
        assert.strictEqual(statefulSet(p, "decode").spec.replicas, 1);
        const r = router(p);
        assert.strictEqual(r.deployment.spec.replicas, 1);
        assert.ok((r.container.args ?? []).includes("--service-discovery"));
    });
});

describe("vllm-router graph: replicas 3/5/1 and routerPolicy=round_robin, routerDecodePolicy=consistent_hash", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", [
            "prefillReplicas=3",
            "decodeReplicas=5",
            "frontendReplicas=1",
            "routerPolicy=round_robin",
            "routerDecodePolicy=consistent_hash",
        ]);
    });

    it("runs 3 prefill, 5 decode and 1 router pod", () => {
        assert.strictEqual(statefulSet(p, "prefill").spec.replicas, 3);
        assert.strictEqual(statefulSet(p, "decode").spec.replicas, 5);
        assert.strictEqual(router(p).deployment.spec.replicas, 1);
        assert.strictEqual(p.plan.summary.prefillReplicas, 3);
        assert.strictEqual(p.plan.summary.decodeReplicas, 5);
    });

    it("scaling changes no router argument (discovery follows the pods)", async () => {
        const base = await planStack("llama31-pd", [
            "frontendReplicas=1",
            "routerPolicy=round_robin",
            "routerDecodePolicy=consistent_hash",
        ]);
        assert.deepStrictEqual(router(p).container.args, router(base).container.args);
    });

    it("passes --prefill-policy round_robin and --decode-policy consistent_hash", () => {
        const args = router(p).container.args ?? [];
        assert.strictEqual(argValue(args, "--prefill-policy"), "round_robin");
        assert.strictEqual(argValue(args, "--decode-policy"), "consistent_hash");
    });
});
