/**
 * The Dynamo graph as the operator sees it: the dynamo-platform release (operator only, pointed
 * at our NATS and, with etcd discovery, our etcd) and one nvidia.com/v1beta1
 * DynamoGraphDeployment whose frontend, prefill and decode components carry the flags of Dynamo
 * 1.6, the EFA image and LIBFABRIC with EFA, the worker pod templates of the shared builder, NATS
 * as the event plane, the wait for `status.state`, and hub access only where it is needed.
 */
import * as assert from "assert";
import { planStack, StackPlan } from "../helpers/plan";
import { PodSpec } from "../helpers/k8sSchema";
import { admits, argValue, at, component, dgd, inClusterUrl, main, NetworkPolicy, platformValues } from "../helpers/dynamoGraph";

describe("dynamo graph: llama31-pd (8 + 8 on EFA, 2 frontends, gated model)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo"]);
    });

    it("is one nvidia.com/v1beta1 DynamoGraphDeployment for vLLM in the serving namespace, no hand-written Dynamo workloads", () => {
        const g = dgd(p);
        assert.strictEqual(g.apiVersion, "nvidia.com/v1beta1");
        assert.strictEqual(g.metadata.namespace, "serving");
        assert.strictEqual(g.spec.backendFramework, "vllm");
        const workloads = p
            .manifests()
            // The API gateway in front of the frontend is ours; every Dynamo workload is the operator's.
            .filter(
                (o) =>
                    ["Deployment", "StatefulSet"].includes(o.kind) &&
                    o.metadata.labels?.["pd-serving/graph"] &&
                    o.metadata.labels?.["app.kubernetes.io/component"] !== "gateway",
            );
        assert.deepStrictEqual(
            workloads.map((o) => o.metadata.name),
            [],
        );
    });

    it("has a frontend (frontendReplicas = 2), 8 prefill and 8 decode components", () => {
        assert.strictEqual(component(p, "frontend").replicas, 2);
        assert.strictEqual(component(p, "prefill").replicas, 8);
        assert.strictEqual(component(p, "decode").replicas, 8);
        assert.strictEqual(p.plan.summary.prefillReplicas, 8);
        assert.strictEqual(p.plan.summary.decodeReplicas, 8);
        assert.strictEqual(p.plan.summary.gpusRequested, 16);
    });

    it("runs the frontend with --router-mode kv, --kv-cache-block-size = blockSize, --migration-limit 3 and replica sync", () => {
        const c = main(component(p, "frontend"));
        assert.deepStrictEqual(c.command, ["python3", "-m", "dynamo.frontend"]);
        assert.strictEqual(argValue(c.args, "--router-mode"), "kv");
        assert.strictEqual(argValue(c.args, "--kv-cache-block-size"), String(p.plan.config.blockSize));
        assert.strictEqual(argValue(c.args, "--migration-limit"), "3");
        assert.ok(c.args?.includes("--router-replica-sync"));
    });

    it("gives the workers the same --block-size the frontend hashes by, and the model", () => {
        for (const type of ["prefill", "decode"]) {
            const c = main(component(p, type));
            assert.deepStrictEqual(c.command, ["python3", "-m", "dynamo.vllm"]);
            assert.strictEqual(argValue(c.args, "--block-size"), String(p.plan.config.blockSize), type);
            assert.strictEqual(argValue(c.args, "--model"), p.plan.config.model, type);
            assert.strictEqual(argValue(c.args, "--disaggregation-mode"), type);
            assert.ok(!c.args?.includes("--migration-limit"), `${type}: --migration-limit is a frontend flag in 1.6`);
        }
    });

    it("moves KV with NixlConnector over LIBFABRIC on both roles (EFA)", () => {
        for (const type of ["prefill", "decode"]) {
            const config = JSON.parse(argValue(main(component(p, type)).args, "--kv-transfer-config") ?? "{}");
            assert.strictEqual(config.kv_connector, "NixlConnector", type);
            assert.deepStrictEqual(config.kv_connector_extra_config?.backends, ["LIBFABRIC"], type);
            assert.strictEqual(
                main(component(p, type)).env?.find((e) => e.name === "FI_PROVIDER")?.value,
                "efa",
                `${type}: libfabric's EFA provider`,
            );
        }
    });

    it("has prefill publish KV events for the KV router (zmq, prefix caching on); decode publishes none", () => {
        const prefill = main(component(p, "prefill"));
        assert.ok(prefill.args?.includes("--enable-prefix-caching"));
        const events = JSON.parse(argValue(prefill.args, "--kv-events-config") ?? "{}");
        assert.strictEqual(events.publisher, "zmq");
        assert.strictEqual(events.enable_kv_cache_events, true);
        assert.strictEqual(argValue(main(component(p, "decode")).args, "--kv-events-config"), undefined);
    });

    it("runs workers on the EFA runtime image, the frontend on the plain one, with runtimeVersionOverride 1.6.2", () => {
        assert.match(main(component(p, "prefill")).image, /dynamo:1\.6\.2-efa-vllm-runtime-v1$/);
        assert.match(main(component(p, "decode")).image, /dynamo:1\.6\.2-efa-vllm-runtime-v1$/);
        assert.match(main(component(p, "frontend")).image, /dynamo:1\.6\.2-vllm-runtime-v1$/);
        for (const c of dgd(p).spec.components) {
            // The CRD pattern is MAJOR.MINOR.PATCH; the tag names the same release.
            assert.match(c.runtimeVersionOverride ?? "", /^\d+\.\d+\.\d+$/, c.name);
            assert.ok(main(c).image.includes(`:${c.runtimeVersionOverride}-`), c.name);
        }
    });

    it("builds the worker pods like vllm-router's: same GPUs, EFA, huge pages, placement, volumes and model cache", async () => {
        const router = await planStack("llama31-pd");
        for (const type of ["prefill", "decode"]) {
            const sts = router.manifest("StatefulSet", type) as unknown as { spec: { template: { spec: PodSpec } } };
            const theirs = sts.spec.template.spec;
            const ours = component(p, type).podTemplate.spec;
            assert.deepStrictEqual(main(component(p, type)).resources, theirs.containers[0].resources, `${type}: resources`);
            assert.deepStrictEqual(ours.nodeSelector, theirs.nodeSelector, `${type}: nodeSelector`);
            assert.deepStrictEqual(ours.tolerations, theirs.tolerations, `${type}: tolerations`);
            assert.deepStrictEqual(ours.volumes, theirs.volumes, `${type}: volumes`);
            assert.deepStrictEqual(
                (ours.initContainers ?? []).map((c) => c.name),
                (theirs.initContainers ?? []).map((c) => c.name),
                `${type}: init containers (the model wait)`,
            );
        }
    });

    it("leaves /dev/shm to the worker builder (sharedMemorySize 0) and no port name the operator adds (nixl)", () => {
        for (const type of ["prefill", "decode"]) {
            const c = component(p, type);
            assert.strictEqual(c.sharedMemorySize, "0", type);
            assert.strictEqual(main(c).volumeMounts?.filter((m) => m.mountPath === "/dev/shm").length, 1, type);
            const names = (main(c).ports ?? []).map((pp) => pp.name);
            assert.ok(!names.includes("nixl"), `${type}: ${names.join(", ")}`);
            assert.strictEqual(new Set(names).size, names.length, `${type}: duplicate port names`);
        }
    });

    it("probes workers on Dynamo's system port 9090 (/live, /health), enabled by DYN_SYSTEM_PORT", () => {
        for (const type of ["prefill", "decode"]) {
            const c = main(component(p, type));
            assert.strictEqual(c.env?.find((e) => e.name === "DYN_SYSTEM_PORT")?.value, "9090");
            assert.strictEqual(c.ports?.find((pp) => pp.name === "system")?.containerPort, 9090);
            assert.strictEqual(c.readinessProbe?.httpGet?.port, "system");
            assert.strictEqual(c.readinessProbe?.httpGet?.path, "/health");
            assert.strictEqual(c.livenessProbe?.httpGet?.path, "/live");
        }
    });

    it("rolls workers without surge (every GPU is taken)", () => {
        for (const type of ["prefill", "decode"]) {
            assert.strictEqual(
                component(p, type).podTemplate.metadata.annotations?.["nvidia.com/deployment-rolling-update-max-surge"],
                "0",
            );
        }
    });

    it("uses NATS as the event plane: DYN_EVENT_PLANE=nats for every component, natsAddr = our NATS Service on 4222", () => {
        assert.deepStrictEqual(
            dgd(p).spec.env.filter((e) => e.name === "DYN_EVENT_PLANE"),
            [{ name: "DYN_EVENT_PLANE", value: "nats" }],
        );
        const nats = inClusterUrl(at(platformValues(p), "dynamo-operator.natsAddr"));
        assert.strictEqual(nats.scheme, "nats:");
        assert.strictEqual(nats.port, 4222);
        const release = p.resources("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "nats");
        assert.ok(release, "no NATS release");
        assert.strictEqual(release.inputs.name, nats.name);
        assert.strictEqual(release.inputs.namespace, nats.namespace);
    });

    it("lets every component's pods through the NATS NetworkPolicy on 4222", () => {
        const policy = p.manifest("NetworkPolicy", "nats") as unknown as NetworkPolicy;
        for (const c of dgd(p).spec.components) {
            assert.ok(admits(policy, c.podTemplate.metadata.labels, 4222), c.name);
        }
    });

    it("waits in pulumi up until the operator reports status.state successful, for at least an hour", () => {
        const annotations = dgd(p).metadata.annotations;
        assert.strictEqual(annotations["pulumi.com/waitFor"], "jsonpath={.status.state}=successful");
        assert.ok(Number(annotations["pulumi.com/timeoutSeconds"]) >= 3600, annotations["pulumi.com/timeoutSeconds"]);
    });

    it("gives the frontend (which fetches tokenizer and config) the hf-token Secret, the workers only the offline cache", () => {
        const token = main(component(p, "frontend")).env?.find((e) => e.name === "HF_TOKEN") as
            { valueFrom?: { secretKeyRef?: { name: string; key: string } } } | undefined;
        assert.deepStrictEqual(token?.valueFrom?.secretKeyRef, { name: "hf-token", key: "HF_TOKEN" });
        p.manifest("Secret", "hf-token", "serving");
        for (const type of ["prefill", "decode"]) {
            const env = main(component(p, type)).env ?? [];
            assert.strictEqual(env.find((e) => e.name === "HF_HUB_OFFLINE")?.value, "1", type);
            assert.ok(!env.some((e) => e.name === "HF_TOKEN"), `${type} holds the token`);
        }
    });

    it("counts the frontends among the pods that may reach the hub: 2 GPU nodes' downloads + 2 frontends", () => {
        assert.strictEqual(p.plan.summary.modelDownloadsPerDeploy, p.plan.summary.gpuNodes + 2);
    });

    it("serves the frontend through the API gateway: the NLB selects the gateway, which proxies to the frontend Service", () => {
        const service = p.manifest("Service", "frontend-endpoint") as unknown as {
            spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
        };
        const gateway = p.manifest("Deployment", "frontend-gateway") as unknown as {
            spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports: { name: string }[] }[] } } };
        };
        assert.ok(Object.entries(service.spec.selector).every(([k, v]) => gateway.spec.template.metadata.labels[k] === v));
        assert.ok(gateway.spec.template.spec.containers[0].ports.some((pp) => pp.name === service.spec.ports[0].targetPort));
        const conf = (p.manifest("ConfigMap", "frontend-gateway-config") as unknown as { data: Record<string, string> }).data;
        assert.ok(conf["default.conf.template"].includes("proxy_pass http://frontend.serving.svc.cluster.local:8000;"));
        for (const type of ["frontend", "prefill", "decode"]) {
            const labels = component(p, type).podTemplate.metadata.labels;
            assert.ok(!Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v), `the NLB selects ${type}`);
        }
    });
});

describe("dynamo graph: replicas 3/5/1", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo", "prefillReplicas=3", "decodeReplicas=5", "frontendReplicas=1"]);
    });

    it("has 3 prefill, 5 decode and 1 frontend replicas", () => {
        assert.strictEqual(component(p, "prefill").replicas, 3);
        assert.strictEqual(component(p, "decode").replicas, 5);
        assert.strictEqual(component(p, "frontend").replicas, 1);
        assert.strictEqual(p.plan.summary.prefillReplicas, 3);
        assert.strictEqual(p.plan.summary.decodeReplicas, 5);
    });

    it("does not sync router state with a single frontend", () => {
        assert.ok(!main(component(p, "frontend")).args?.includes("--router-replica-sync"));
    });
});

describe("dynamo graph: dev with dynamoRouterMode=round-robin and 2 frontends (no EFA, public model)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("dev", ["graph=dynamo", "dynamoRouterMode=round-robin", "frontendReplicas=2"]);
    });

    it("passes --router-mode round-robin, without replica sync or KV events (only the KV router reads them)", () => {
        const frontend = main(component(p, "frontend"));
        assert.strictEqual(argValue(frontend.args, "--router-mode"), "round-robin");
        assert.ok(!frontend.args?.includes("--router-replica-sync"));
        assert.strictEqual(argValue(main(component(p, "prefill")).args, "--kv-events-config"), undefined);
    });

    it("runs the plain runtime image with NIXL's default backend and no EFA devices", () => {
        for (const type of ["prefill", "decode"]) {
            const c = main(component(p, type));
            assert.match(c.image, /dynamo:1\.6\.2-vllm-runtime-v1$/);
            const config = JSON.parse(argValue(c.args, "--kv-transfer-config") ?? "{}");
            assert.strictEqual(config.kv_connector_extra_config, undefined);
            assert.strictEqual(c.resources?.limits?.["vpc.amazonaws.com/efa"], undefined);
        }
    });

    it("gives the frontend no token without hfToken, yet counts it as a hub reader", () => {
        assert.ok(!main(component(p, "frontend")).env?.some((e) => e.name === "HF_TOKEN"));
        assert.strictEqual(p.plan.summary.modelDownloadsPerDeploy, p.plan.summary.gpuNodes + 2);
    });
});

describe("dynamo graph: the platform is Dynamo's", () => {
    it("is absent with graph=vllm-router, kept (without a graph) with dynamoInfra=true", async () => {
        const router = await planStack("dev");
        assert.ok(!router.resources("kubernetes:helm.sh/v3:Release").some((r) => r.inputs.chart === "dynamo-platform"));
        const kept = await planStack("dev", ["dynamoInfra=true"]);
        assert.ok(kept.resources("kubernetes:helm.sh/v3:Release").some((r) => r.inputs.chart === "dynamo-platform"));
        assert.ok(!kept.manifests().some((o) => o.kind === "DynamoGraphDeployment"));
    });
});
