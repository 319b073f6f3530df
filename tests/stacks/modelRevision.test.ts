/**
 * modelRevision pins the weights: the node's download, its ready marker and the workers' engine
 * flags all name the same commit, so a replacement node cannot serve other weights.
 */
import * as assert from "assert";
import { KubernetesObject, podSpecOf } from "../../plan/offline/objects";
import { planStack, StackPlan } from "../helpers/plan";
import { withDynamoComponents } from "../helpers/dynamo";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

function downloadEnv(p: StackPlan): Record<string, string> {
    const ds = p.manifest("DaemonSet", "model-cache");
    const download = podSpecOf(ds)?.initContainers?.find((c) => c.name === "download");
    return Object.fromEntries((download?.env ?? []).map((e) => [e.name, e.value ?? ""]));
}

function workers(p: StackPlan): KubernetesObject[] {
    return withDynamoComponents(p.manifests()).filter(
        (o) => podSpecOf(o) !== undefined && ["prefill", "decode"].includes(o.metadata.labels?.["app.kubernetes.io/component"] ?? ""),
    );
}

function argsOf(o: KubernetesObject): string[] {
    const c = podSpecOf(o)?.containers[0];
    return [...(c?.command ?? []), ...(c?.args ?? [])];
}

/** The value after a flag, or undefined. */
function flag(args: string[], name: string): string | undefined {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
}

describe("modelRevision", () => {
    for (const graph of ["vllm-router", "dynamo"]) {
        it(`${graph}: the download, the ready marker and every worker name the pinned commit`, async () => {
            const p = await planStack("llama31-pd", [`graph=${graph}`, `modelRevision=${COMMIT}`]);
            const env = downloadEnv(p);
            assert.strictEqual(env.MODEL_REVISION, COMMIT);
            assert.ok(env.READY_MARKER.endsWith(`@${COMMIT}`), env.READY_MARKER);
            const ds = p.manifest("DaemonSet", "model-cache");
            assert.ok(JSON.stringify(podSpecOf(ds)?.initContainers).includes('revision=os.environ.get(\\"MODEL_REVISION\\")'));
            const ws = workers(p);
            assert.strictEqual(ws.length, 2, "a prefill and a decode workload");
            for (const w of ws) {
                const args = argsOf(w);
                assert.strictEqual(flag(args, "--revision"), COMMIT, w.metadata.name);
                assert.strictEqual(flag(args, "--tokenizer-revision"), COMMIT, w.metadata.name);
                // The worker waits for the marker of the same revision.
                const wait = JSON.stringify(podSpecOf(w)?.initContainers ?? []);
                assert.ok(wait.includes(env.READY_MARKER), `${w.metadata.name} waits for another marker`);
            }
            assert.ok(!p.warnings.some((m) => m.includes("modelRevision")));
        });
    }

    it("unset: no revision flags, the model-only marker, and a preview warning", async () => {
        const p = await planStack("dev");
        const env = downloadEnv(p);
        assert.strictEqual(env.MODEL_REVISION, undefined);
        assert.strictEqual(env.READY_MARKER, ".ready-Qwen--Qwen3-0.6B");
        for (const w of workers(p)) {
            assert.strictEqual(flag(argsOf(w), "--revision"), undefined);
        }
        assert.ok(p.warnings.some((m) => m.includes("modelRevision is unset")));
    });
});
