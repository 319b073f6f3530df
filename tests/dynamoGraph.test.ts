/**
 * components/dynamoGraph.ts: NVIDIA Dynamo's frontend (`python3 -m dynamo.frontend`) and its
 * prefill/decode workers (`python3 -m dynamo.vllm`). They find each other only through etcd and
 * NATS, so their env must name Services the plan really creates, they must wait for both, and
 * worker health must come from Dynamo's system port. With EFA the plan must say that KV transfer
 * falls back to TCP.
 */
import * as assert from "assert";
import { planStack, StackPlan } from "./helpers/plan";
import { Container, PodSpec } from "./helpers/k8sSchema";

interface Deployment {
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec: {
        replicas?: number;
        strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
        template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    };
}
interface Service {
    metadata: { name: string; namespace?: string };
    spec: { selector?: Record<string, string>; ports: { name?: string; port: number }[] };
}

type Role = "prefill" | "decode";
const ROLES: Role[] = ["prefill", "decode"];

function deployment(p: StackPlan, component: string): Deployment {
    const found = p.manifests().filter((o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/component"] === component);
    assert.strictEqual(found.length, 1, `one ${component} Deployment`);
    assert.strictEqual(found[0].metadata.labels?.["pd-serving/graph"], "dynamo");
    return found[0] as unknown as Deployment;
}

function mainContainer(d: Deployment, module: string): Container {
    const found = d.spec.template.spec.containers.filter((c) => JSON.stringify(c.command) === JSON.stringify(["python3", "-m", module]));
    assert.strictEqual(found.length, 1, `${d.metadata.name}: one container runs python3 -m ${module}`);
    return found[0];
}

const frontend = (p: StackPlan) => mainContainer(deployment(p, "frontend"), "dynamo.frontend");
const worker = (p: StackPlan, role: Role) => mainContainer(deployment(p, role), "dynamo.vllm");

function envValue(c: Container, name: string): string | undefined {
    const found = (c.env ?? []).filter((e) => e.name === name);
    assert.ok(found.length <= 1, `${c.name}: ${name} set ${found.length} times`);
    return found[0]?.value;
}

function argValue(args: string[], flag: string): string | undefined {
    const values = args.flatMap((a, i) => (a === flag ? [args[i + 1]] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));
    assert.ok(values.length <= 1, `${flag} given ${values.length} times`);
    return values[0];
}

function containerPort(c: Container, port: number | string | undefined): number | undefined {
    return typeof port === "number" ? port : c.ports?.find((cp) => cp.name === port)?.containerPort;
}

/** `scheme://<name>.<namespace>.svc.cluster.local:<port>` -> its parts. */
function inClusterUrl(url: string | undefined): { name: string; namespace: string; port: number } {
    assert.ok(url, "URL unset");
    const parsed = new URL(url);
    const labels = parsed.hostname.split(".");
    assert.deepStrictEqual(labels.slice(2), ["svc", "cluster", "local"], `${url} is not an in-cluster Service name`);
    assert.ok(parsed.port !== "", `${url} names no port`);
    return { name: labels[0], namespace: labels[1], port: Number(parsed.port) };
}

const WARNING = "falls back to TCP";

describe("dynamo graph: llama31-pd (8 + 8 on EFA, 2 frontends)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo"]);
    });

    it("runs 8 prefill, 8 decode and frontendReplicas (2) frontend pods", () => {
        assert.strictEqual(deployment(p, "prefill").spec.replicas, 8);
        assert.strictEqual(deployment(p, "decode").spec.replicas, 8);
        assert.strictEqual(deployment(p, "frontend").spec.replicas, 2);
    });

    it("runs the frontend with --router-mode kv (the default) on HTTP port 8000", () => {
        const c = frontend(p);
        assert.strictEqual(argValue(c.args ?? [], "--router-mode"), "kv");
        assert.strictEqual(argValue(c.args ?? [], "--http-port"), "8000");
        assert.ok(c.ports?.some((cp) => cp.name === "http" && cp.containerPort === 8000));
    });

    it("syncs KV-router state between the 2 frontends (--router-replica-sync)", () => {
        assert.ok(frontend(p).args?.includes("--router-replica-sync"));
    });

    it("gives the frontend the workers' KV block size (--kv-cache-block-size = blockSize)", () => {
        assert.strictEqual(argValue(frontend(p).args ?? [], "--kv-cache-block-size"), String(p.plan.config.blockSize));
    });

    it("marks only the prefill workers with --is-prefill-worker", () => {
        assert.ok(worker(p, "prefill").args?.includes("--is-prefill-worker"));
        assert.ok(!worker(p, "decode").args?.includes("--is-prefill-worker"));
    });

    it("lets requests migrate off dying workers (--migration-limit > 0) on both roles", () => {
        for (const role of ROLES) {
            const limit = argValue(worker(p, role).args ?? [], "--migration-limit");
            assert.ok(limit !== undefined && Number.isInteger(Number(limit)) && Number(limit) > 0, `${role}: --migration-limit ${limit}`);
        }
    });

    it("serves the configured model from both roles (--model)", () => {
        for (const role of ROLES) {
            assert.strictEqual(argValue(worker(p, role).args ?? [], "--model"), p.plan.config.model, role);
        }
    });

    it("points ETCD_ENDPOINTS of frontend and workers at the etcd Service of the plan, port 2379", () => {
        const containers = [frontend(p), ...ROLES.map((role) => worker(p, role))];
        const url = envValue(containers[0], "ETCD_ENDPOINTS");
        for (const c of containers) {
            assert.strictEqual(envValue(c, "ETCD_ENDPOINTS"), url, c.name);
        }
        const etcd = inClusterUrl(url);
        assert.strictEqual(etcd.port, 2379);
        const service = p.manifest("Service", etcd.name, etcd.namespace) as unknown as Service;
        assert.ok(
            service.spec.ports.some((sp) => sp.port === 2379),
            "the etcd Service exposes 2379",
        );
        const members = p.manifest("StatefulSet", "etcd", etcd.namespace) as unknown as Deployment;
        const podLabels = members.spec.template.metadata.labels;
        assert.ok(
            Object.entries(service.spec.selector ?? {}).every(([k, v]) => podLabels[k] === v),
            "the etcd Service selects the etcd pods",
        );
    });

    it("points NATS_SERVER of frontend and workers at the NATS Helm release (name and namespace), port 4222", () => {
        const containers = [frontend(p), ...ROLES.map((role) => worker(p, role))];
        const url = envValue(containers[0], "NATS_SERVER");
        for (const c of containers) {
            assert.strictEqual(envValue(c, "NATS_SERVER"), url, c.name);
        }
        assert.ok(url?.startsWith("nats://"), url);
        const nats = inClusterUrl(url);
        assert.strictEqual(nats.port, 4222);
        const releases = p.resources("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "nats");
        assert.strictEqual(releases.length, 1, "one NATS release");
        // The chart names its client Service after the release.
        assert.strictEqual(releases[0].inputs.name, nats.name);
        assert.strictEqual(releases[0].inputs.namespace, nats.namespace);
    });

    it("makes workers and frontends wait in an init container until etcd and NATS answer", () => {
        for (const component of ["frontend", ...ROLES]) {
            const pod = deployment(p, component).spec.template.spec;
            const main = pod.containers[0];
            const wait = (pod.initContainers ?? []).find((c) => JSON.stringify(c.command ?? []).includes("ETCD_ENDPOINTS"));
            assert.ok(wait, `${component}: no init container waits for etcd`);
            assert.strictEqual(envValue(wait, "ETCD_ENDPOINTS"), envValue(main, "ETCD_ENDPOINTS"), component);
            const natsMonitor = envValue(wait, "NATS_MONITOR");
            assert.ok(JSON.stringify(wait.command).includes("NATS_MONITOR"), `${component}: the wait does not probe NATS`);
            assert.strictEqual(
                inClusterUrl(natsMonitor).name,
                inClusterUrl(envValue(main, "NATS_SERVER")).name,
                `${component}: NATS_MONITOR is another host`,
            );
        }
    });

    it("probes workers on Dynamo's system port 9090 (/live, /health), enabled by DYN_SYSTEM_ENABLED/DYN_SYSTEM_PORT", () => {
        for (const role of ROLES) {
            const c = worker(p, role);
            assert.strictEqual(envValue(c, "DYN_SYSTEM_ENABLED"), "true", role);
            assert.strictEqual(envValue(c, "DYN_SYSTEM_PORT"), "9090", role);
            for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
                assert.ok(probe?.httpGet, `${role}: an HTTP probe is missing`);
                assert.strictEqual(containerPort(c, probe.httpGet.port), 9090, `${role}: probe on ${probe.httpGet.port}`);
            }
            assert.strictEqual(c.readinessProbe?.httpGet?.path, "/health", role);
            assert.strictEqual(c.livenessProbe?.httpGet?.path, "/live", role);
        }
    });

    it("rolls workers without surge (every GPU is taken: maxSurge 0)", () => {
        for (const role of ROLES) {
            const strategy = deployment(p, role).spec.strategy;
            assert.strictEqual(strategy?.type ?? "RollingUpdate", "RollingUpdate", role);
            assert.strictEqual(strategy?.rollingUpdate?.maxSurge, 0, role);
        }
    });

    it("warns that KV transfer falls back to TCP (efa=true)", () => {
        assert.ok(
            p.warnings.some((w) => w.includes(WARNING)),
            JSON.stringify(p.warnings),
        );
    });
});

describe("dynamo graph: replicas 3/5/1", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo", "prefillReplicas=3", "decodeReplicas=5", "frontendReplicas=1"]);
    });

    it("runs 3 prefill, 5 decode and 1 frontend pod", () => {
        assert.strictEqual(deployment(p, "prefill").spec.replicas, 3);
        assert.strictEqual(deployment(p, "decode").spec.replicas, 5);
        assert.strictEqual(deployment(p, "frontend").spec.replicas, 1);
        assert.strictEqual(p.plan.summary.prefillReplicas, 3);
        assert.strictEqual(p.plan.summary.decodeReplicas, 5);
    });

    it("does not sync router state with a single frontend", () => {
        assert.ok(!frontend(p).args?.includes("--router-replica-sync"));
    });
});

describe("dynamo graph: dev with dynamoRouterMode=round-robin and 2 frontends (no EFA)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("dev", ["graph=dynamo", "dynamoRouterMode=round-robin", "frontendReplicas=2"]);
    });

    it("passes --router-mode round-robin", () => {
        assert.strictEqual(argValue(frontend(p).args ?? [], "--router-mode"), "round-robin");
    });

    it("does not sync KV-router state outside kv mode", () => {
        assert.strictEqual(deployment(p, "frontend").spec.replicas, 2);
        assert.ok(!frontend(p).args?.includes("--router-replica-sync"));
    });

    it("does not warn about a TCP fallback without EFA", () => {
        assert.ok(!p.warnings.some((w) => w.includes(WARNING)), JSON.stringify(p.warnings));
    });
});

describe("dynamo graph: the TCP-fallback warning is Dynamo's", () => {
    it("is not logged for graph=vllm-router on EFA", async () => {
        const p = await planStack("llama31-pd");
        assert.ok(!p.warnings.some((w) => w.includes(WARNING)), JSON.stringify(p.warnings));
    });
});
