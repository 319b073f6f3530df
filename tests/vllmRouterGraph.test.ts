/**
 * components/vllmRouterGraph.ts: vllm-router in P/D mode over `vllm serve` pods. The router must
 * reach every worker pod by its own DNS name (a ClusterIP Service per role would let kube-proxy
 * spread requests behind the router's back), run with the configured policy and expose its
 * metrics; the workers must be set up for NIXL with LIBFABRIC exactly when EFA is on.
 */
import * as assert from "assert";
import { planStack, StackPlan } from "./helpers/plan";
import { Container } from "./helpers/k8sSchema";

interface Workload {
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec: {
        replicas?: number;
        serviceName?: string;
        template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
    };
}
interface Service {
    metadata: { name: string; namespace?: string };
    spec: {
        type?: string;
        clusterIP?: string;
        selector?: Record<string, string>;
        ports: { name?: string; port: number; targetPort?: number | string }[];
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

interface KvTransferConfig {
    kv_connector?: string;
    kv_role?: string;
    kv_connector_extra_config?: { backends?: string[] };
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

    it("workers run `vllm serve <model>`", () => {
        for (const role of ROLES) {
            const c = statefulSet(p, role).spec.template.spec.containers[0];
            assert.deepStrictEqual(c.command, ["vllm", "serve"], role);
            assert.strictEqual(c.args?.[0], "meta-llama/Llama-3.1-8B-Instruct", role);
        }
    });

    it('passes NixlConnector in kv_both with backends ["LIBFABRIC"] to both roles (efa=true)', () => {
        const configs = ROLES.map((role) => kvTransferConfig(statefulSet(p, role).spec.template.spec.containers[0]));
        for (const config of configs) {
            assert.strictEqual(config.kv_connector, "NixlConnector");
            assert.strictEqual(config.kv_role, "kv_both");
            assert.deepStrictEqual(config.kv_connector_extra_config?.backends, ["LIBFABRIC"]);
        }
        assert.deepStrictEqual(configs[0], configs[1], "both roles share the connector config");
    });

    it("runs the router in vLLM P/D mode with the consistent_hash policy by default", () => {
        assert.deepStrictEqual(r.container.command, ["vllm-router"]);
        assert.ok(args.includes("--vllm-pd-disaggregation"), args.join(" "));
        assert.strictEqual(argValue(args, "--policy"), "consistent_hash");
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

    for (const role of ROLES) {
        it(`passes one --${role} per ${role} pod, each the pod's own DNS name under the StatefulSet's headless Service`, () => {
            const sts = statefulSet(p, role);
            const urls = argValues(args, `--${role}`);
            assert.strictEqual(urls.length, sts.spec.replicas);
            const service = p.manifest("Service", sts.spec.serviceName!, sts.metadata.namespace) as unknown as Service;
            assert.strictEqual(service.spec.clusterIP, "None", "the StatefulSet's Service is headless");
            assert.ok(selects(service.spec.selector, sts.spec.template.metadata.labels), "the headless Service selects the pods");
            const worker = sts.spec.template.spec.containers[0];
            const expected = [...Array(sts.spec.replicas).keys()].map((i) => {
                return `http://${sts.metadata.name}-${i}.${service.metadata.name}.${sts.metadata.namespace}.svc.cluster.local:${containerPort(worker, "http")}`;
            });
            assert.deepStrictEqual(urls, expected);
            assert.strictEqual(
                Number(argValue(worker.args ?? [], "--port")),
                containerPort(worker, "http"),
                "vllm serve listens on the addressed port",
            );
        });
    }

    it("addresses no worker through a ClusterIP Service: every URL is <pod>.<headless service>.<namespace>.svc.cluster.local", () => {
        for (const url of [...argValues(args, "--prefill"), ...argValues(args, "--decode")]) {
            const labels = new URL(url).hostname.split(".");
            assert.strictEqual(labels.length, 6, url);
            assert.deepStrictEqual(labels.slice(3), ["svc", "cluster", "local"], url);
            const service = p.manifest("Service", labels[1], labels[2]) as unknown as Service;
            assert.strictEqual(service.spec.clusterIP, "None", `${url}: Service ${labels[1]} is not headless`);
        }
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

    it("runs 1 + 1 workers and one router (frontendReplicas 1)", () => {
        assert.strictEqual(statefulSet(p, "prefill").spec.replicas, 1);
        assert.strictEqual(statefulSet(p, "decode").spec.replicas, 1);
        const r = router(p);
        assert.strictEqual(r.deployment.spec.replicas, 1);
        assert.strictEqual(argValues(r.container.args ?? [], "--prefill").length, 1);
        assert.strictEqual(argValues(r.container.args ?? [], "--decode").length, 1);
    });
});

describe("vllm-router graph: replicas 3/5/1 and routerPolicy=round_robin", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["prefillReplicas=3", "decodeReplicas=5", "frontendReplicas=1", "routerPolicy=round_robin"]);
    });

    it("runs 3 prefill, 5 decode and 1 router pod", () => {
        assert.strictEqual(statefulSet(p, "prefill").spec.replicas, 3);
        assert.strictEqual(statefulSet(p, "decode").spec.replicas, 5);
        assert.strictEqual(router(p).deployment.spec.replicas, 1);
        assert.strictEqual(p.plan.summary.prefillReplicas, 3);
        assert.strictEqual(p.plan.summary.decodeReplicas, 5);
    });

    it("routes to exactly those 3 + 5 pods", () => {
        const args = router(p).container.args ?? [];
        assert.deepStrictEqual(
            argValues(args, "--prefill").map((u) => new URL(u).hostname.split(".")[0]),
            ["prefill-0", "prefill-1", "prefill-2"],
        );
        assert.deepStrictEqual(
            argValues(args, "--decode").map((u) => new URL(u).hostname.split(".")[0]),
            ["decode-0", "decode-1", "decode-2", "decode-3", "decode-4"],
        );
    });

    it("passes --policy round_robin", () => {
        assert.strictEqual(argValue(router(p).container.args ?? [], "--policy"), "round_robin");
    });
});
