/**
 * components/modelCache.ts: the model is fetched from the hub at most once per GPU node. One
 * DaemonSet pod per GPU node downloads into a hostPath on the instance-store NVMe; the serving
 * pods mount it read-only, wait for the ready marker and run with the hub turned off. The plan's
 * summary.modelDownloadsPerDeploy is read off the manifests, not a constant.
 */
import * as assert from "assert";
import { RecordedResource } from "../../plan/offline/mocks";
import { summarize } from "../../plan/offline/summary";
import {
    allContainers,
    asK8s,
    asObject,
    Container,
    envValue,
    K8sObject,
    nodeTaint,
    PodSpec,
    podGpus,
    podTemplate,
    tolerates,
} from "../helpers/k8sSchema";
import { planStack, StackPlan } from "../helpers/plan";
import { withDynamoComponents } from "../helpers/dynamo";

const HF_CANARY = "hf_MODELCACHE_CANARY_0123456789abcdef";

interface CachePod {
    daemonSet: K8sObject;
    spec: PodSpec;
    download: Container;
}

function modelCache(p: StackPlan): CachePod {
    const daemonSet = asObject(p.manifest("DaemonSet", "model-cache", "serving"));
    const spec = daemonSet.spec!.template!.spec;
    const download = spec.initContainers?.find((c) => c.name === "download");
    assert.ok(download, "a download init container");
    return { daemonSet, spec, download };
}

/** Pod templates that request GPUs: the prefill and decode workers. */
function workers(p: StackPlan): K8sObject[] {
    return asK8s(withDynamoComponents(p.manifests())).filter((o) => {
        const spec = podTemplate(o)?.spec;
        return spec !== undefined && podGpus(spec) > 0;
    });
}

function gpuNodes(p: StackPlan): number {
    return (p.nodeGroup("gpu").inputs.scalingConfig as { desiredSize: number }).desiredSize;
}

/** The summary of the plan's recorded resources after `edit`, as plan/plan.ts computes it. */
function summaryAfter(p: StackPlan, edit: (objects: K8sObject[]) => void) {
    const recorded = JSON.parse(JSON.stringify(p.result.recorded)) as RecordedResource[];
    edit(recorded.filter((r) => r.type.startsWith("kubernetes:") && r.custom).map((r) => r.inputs as unknown as K8sObject));
    return summarize(p.plan.stack, { graph: String(p.plan.config.graph), model: String(p.plan.config.model) }, "us-east-1", recorded);
}

describe("modelCache: llama31-pd (vllm-router, p5.48xlarge with NVMe)", () => {
    let p: StackPlan;
    let cache: CachePod;
    before(async () => {
        p = await planStack("llama31-pd");
        cache = modelCache(p);
    });

    it("runs one download pod per GPU node: a DaemonSet on the GPU pool that tolerates the GPU taint", () => {
        assert.deepStrictEqual(cache.spec.nodeSelector, { "pd-serving/node-pool": "gpu" });
        for (const taint of (p.nodeGroup("gpu").inputs.taints as { key: string; value?: string; effect: string }[]).map(nodeTaint)) {
            assert.ok(tolerates(cache.spec.tolerations, taint), JSON.stringify(taint));
        }
        assert.ok(cache.spec.tolerations?.some((t) => t.key === "nvidia.com/gpu" && t.operator === "Exists" && t.effect === "NoSchedule"));
        assert.strictEqual(p.resource("kubernetes:apps/v1:DaemonSet", "model-cache").parent, "pd-serving:platform:ModelCache::model-cache");
    });

    it("caches on the instance-store NVMe RAID0 (/mnt/k8s-disks/0) that the GPU nodes assemble", () => {
        const volume = cache.spec.volumes?.find((v) => cache.download.volumeMounts?.some((m) => m.name === v.name));
        assert.ok(volume?.hostPath, "a hostPath volume");
        assert.match(volume.hostPath.path, /^\/mnt\/k8s-disks\/0\//);
        const userData = p.resource("aws:ec2/launchTemplate:LaunchTemplate", "gpu-nodes").inputs.userData as string;
        const nodeadm = Buffer.from(userData ?? "", "base64").toString();
        assert.ok(nodeadm.includes("RAID0"), "the GPU nodes mount their NVMe as RAID0 under /mnt/k8s-disks/0");
    });

    it("downloads the configured model with the hub reachable (HF_HUB_OFFLINE not set), writing the cache", () => {
        assert.strictEqual(envValue(cache.download, "MODEL"), p.plan.config.model);
        assert.ok(!cache.download.env?.some((e) => e.name === "HF_HUB_OFFLINE"));
        assert.ok(JSON.stringify(cache.download.command).includes("snapshot_download"));
        const mount = cache.download.volumeMounts?.[0];
        assert.ok(mount && !mount.readOnly, "mounted read-write");
        assert.ok(envValue(cache.download, "HF_HOME")?.startsWith(mount.mountPath + "/"), "HF_HOME is on the cache");
    });

    it("downloads under an exclusive file lock and marks the model ready only after the download", () => {
        const script = (cache.download.command ?? []).join("\n");
        assert.match(script, /flock\([^)]*LOCK_EX\)/);
        assert.ok(script.indexOf("snapshot_download(") < script.indexOf("ready.write_text"), "marker written after the download");
        assert.ok(script.indexOf("if ready.exists()") < script.indexOf("snapshot_download("), "a second pod finds the marker and skips");
    });

    it("is the only workload that may reach the hub; workers run with HF_HUB_OFFLINE=1 and the same HF_HOME", () => {
        const ws = workers(p);
        assert.deepStrictEqual(ws.map((w) => w.metadata.name).sort(), ["decode", "prefill"]);
        for (const w of ws) {
            const main = w.spec!.template!.spec.containers.find((c) => podGpus({ containers: [c] }) > 0)!;
            assert.strictEqual(envValue(main, "HF_HUB_OFFLINE"), "1", w.metadata.name);
            assert.strictEqual(envValue(main, "HF_HOME"), envValue(cache.download, "HF_HOME"), w.metadata.name);
        }
    });

    it("workers mount the same node directory read-only at the same path", () => {
        const cacheVolume = cache.spec.volumes!.find((v) => v.hostPath)!;
        const cacheMount = cache.download.volumeMounts!.find((m) => m.name === cacheVolume.name)!;
        for (const w of workers(p)) {
            const spec = w.spec!.template!.spec;
            const volume = spec.volumes?.find((v) => v.hostPath?.path === cacheVolume.hostPath!.path);
            assert.ok(volume, `${w.metadata.name} has the cache volume`);
            const volumeName: string = volume.name;
            const mounts = allContainers(spec).flatMap((c) =>
                (c.volumeMounts ?? []).filter((m) => m.name === volumeName).map((m) => ({ container: c.name, mount: m })),
            );
            assert.deepStrictEqual(
                mounts.map((m) => m.container),
                ["wait-for-model", w.metadata.name],
                "the wait and the server mount the cache",
            );
            for (const { container, mount } of mounts) {
                assert.strictEqual(mount.readOnly, true, `${w.metadata.name}/${container}`);
                assert.strictEqual(mount.mountPath, cacheMount.mountPath, `${w.metadata.name}/${container}`);
            }
        }
    });

    it("workers wait, in an init container, for the ready marker the download writes", () => {
        const marker = `${cache.download.volumeMounts![0].mountPath}/${envValue(cache.download, "READY_MARKER")}`;
        assert.ok(envValue(cache.download, "READY_MARKER"));
        for (const w of workers(p)) {
            const init = w.spec!.template!.spec.initContainers ?? [];
            assert.ok(
                init.some((c) => JSON.stringify(c.command).includes(`[ -f ${marker} ]`)),
                `${w.metadata.name} waits for ${marker}`,
            );
        }
    });

    it("only the download reads the Hugging Face token (gated model: planned from the Secret); no other pod carries it", () => {
        for (const o of asK8s(p.manifests())) {
            const spec = podTemplate(o)?.spec;
            for (const c of spec ? allContainers(spec) : []) {
                const hasToken = c.env?.some((e) => e.name === "HF_TOKEN") ?? false;
                assert.strictEqual(hasToken, o.metadata.name === "model-cache" && c.name === "download", `${o.metadata.name}/${c.name}`);
            }
        }
    });

    it("summary.modelDownloadsPerDeploy is the number of GPU nodes: 2, not one per pod (16)", () => {
        assert.strictEqual(gpuNodes(p), 2);
        assert.strictEqual(p.plan.summary.modelDownloadsPerDeploy, 2);
    });

    it("the summary reads the downloads off the manifests: a worker without HF_HUB_OFFLINE counts its 8 pods", () => {
        const edited = summaryAfter(p, (objects) => {
            const prefill = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "prefill")!;
            for (const c of prefill.spec!.template!.spec.containers) {
                c.env = c.env?.filter((e) => e.name !== "HF_HUB_OFFLINE");
            }
        });
        assert.strictEqual(summaryAfter(p, () => undefined).modelDownloadsPerDeploy, 2, "unchanged manifests give the plan's figure");
        assert.strictEqual(edited.modelDownloadsPerDeploy, 2 + 8);
    });
});

describe("modelCache: other configs", () => {
    let dynamo: StackPlan;
    let threeNodes: StackPlan;
    let parked: StackPlan;
    let withToken: StackPlan;
    before(async () => {
        dynamo = await planStack("llama31-pd", ["graph=dynamo"]);
        threeNodes = await planStack("llama31-pd", ["gpuNodeCount=3"]);
        parked = await planStack("llama31-pd", ["prefillReplicas=0", "decodeReplicas=0"]);
        withToken = await planStack("llama31-pd", [`hfToken=${HF_CANARY}`]);
    });

    it("graph=dynamo: one download per GPU node (2) plus the 2 frontends' tokenizer fetch, workers offline and waiting", () => {
        assert.strictEqual(dynamo.plan.summary.modelDownloadsPerDeploy, 2 + 2);
        const cache = modelCache(dynamo);
        const ws = workers(dynamo);
        assert.deepStrictEqual(ws.map((w) => w.metadata.name).sort(), ["pd-decode", "pd-prefill"]);
        for (const w of ws) {
            const spec = w.spec!.template!.spec;
            assert.strictEqual(envValue(spec.containers[0], "HF_HUB_OFFLINE"), "1");
            assert.ok(
                (spec.initContainers ?? []).some((c) =>
                    JSON.stringify(c.command).includes(String(envValue(cache.download, "READY_MARKER"))),
                ),
            );
        }
    });

    it("gpuNodeCount=3: 3 downloads (one per node), with the same 16 pods", () => {
        assert.strictEqual(gpuNodes(threeNodes), 3);
        assert.strictEqual(threeNodes.plan.summary.prefillReplicas + threeNodes.plan.summary.decodeReplicas, 16);
        assert.strictEqual(threeNodes.plan.summary.modelDownloadsPerDeploy, 3);
    });

    it("parked (0+0 replicas): no GPU nodes, no downloads", () => {
        assert.strictEqual(gpuNodes(parked), 0);
        assert.deepStrictEqual(workers(parked), []);
        assert.strictEqual(parked.plan.summary.modelDownloadsPerDeploy, 0);
    });

    it("with hfToken: the download reads HF_TOKEN from the hf-token Secret, never as a plain value", () => {
        const cache = modelCache(withToken);
        const token = cache.download.env?.filter((e) => e.name === "HF_TOKEN") ?? [];
        assert.strictEqual(token.length, 1);
        assert.strictEqual(token[0].value, undefined);
        assert.deepStrictEqual(token[0].valueFrom, { secretKeyRef: { name: "hf-token", key: "HF_TOKEN" } });
        const secret = asObject(withToken.manifest("Secret", "hf-token", cache.daemonSet.metadata.namespace));
        assert.ok(Object.keys(secret.stringData as object).includes("HF_TOKEN"));
    });

    it("with hfToken: the workers still carry no token (they never reach the hub)", () => {
        for (const w of workers(withToken)) {
            for (const c of allContainers(w.spec!.template!.spec)) {
                assert.ok(!c.env?.some((e) => e.name === "HF_TOKEN" || e.valueFrom?.secretKeyRef), `${w.metadata.name}/${c.name}`);
            }
        }
        assert.ok(!withToken.render([]).includes(HF_CANARY));
    });
});
