/**
 * The worker pods of the other configurations (dev on g5.xlarge without EFA, tensorParallelSize=2,
 * custom CPU, memory and block size): resources, placement and engine flags follow the config.
 */
import * as assert from "assert";
import { planStack, StackPlan } from "../helpers/plan";
import { argValue, daemonSetHugepagesOnGpuNodes, envVar, GRAPHS, mebibytes, NODE_HUGEPAGES_MI, Worker, workers } from "../helpers/workers";

for (const { graph, sets } of GRAPHS) {
    describe(`worker pods, graph=${graph}: dev (g5.xlarge, no EFA)`, () => {
        let p: StackPlan;
        let ws: Worker[];
        before(async () => {
            p = await planStack("dev", sets);
            ws = workers(p);
        });

        it("has no EFA devices, no huge pages and no EFA node selector", () => {
            for (const w of ws) {
                const r = w.container.resources!;
                for (const resource of ["vpc.amazonaws.com/efa", "hugepages-2Mi"]) {
                    assert.ok(!(resource in (r.limits ?? {})) && !(resource in (r.requests ?? {})), `${w.role}: ${resource}`);
                }
                assert.ok(!w.pod.volumes?.some((v) => v.emptyDir?.medium === "HugePages"), `${w.role}: HugePages volume`);
                assert.ok(!("pd-serving/efa" in (w.pod.nodeSelector ?? {})), `${w.role}: selects EFA nodes`);
                assert.strictEqual(w.pod.nodeSelector?.["pd-serving/node-pool"], "gpu", w.role);
            }
        });

        it("spreads each role's pods over the shared pool (hostname spread selecting its own pods), no role anti-affinity", () => {
            for (const w of ws) {
                const podLabels = w.workload.spec.template.metadata.labels;
                const spread = (w.pod.topologySpreadConstraints ?? []).find((t) => t.topologyKey === "kubernetes.io/hostname");
                assert.ok(spread, `${w.role}: no spread over kubernetes.io/hostname`);
                const selector = spread.labelSelector?.matchLabels ?? {};
                assert.ok(Object.keys(selector).length > 0, `${w.role}: the spread selects nothing`);
                for (const [key, value] of Object.entries(selector)) {
                    assert.strictEqual(podLabels[key], value, `${w.role}: the spread selector ${key}=${value} does not match the pods`);
                }
                assert.strictEqual(w.pod.affinity?.podAntiAffinity, undefined, w.role);
            }
        });

        it("moves KV cache with UCX (UCX_TLS set), not libfabric", () => {
            for (const w of ws) {
                assert.ok(envVar(w.container, "UCX_TLS")?.value, `${w.role}: UCX_TLS unset`);
                assert.strictEqual(envVar(w.container, "FI_PROVIDER"), undefined, w.role);
            }
        });

        it("keeps the side channel on the pod IP without EFA too", () => {
            for (const w of ws) {
                assert.strictEqual(
                    envVar(w.container, "VLLM_NIXL_SIDE_CHANNEL_HOST")?.valueFrom?.fieldRef?.fieldPath,
                    "status.podIP",
                    w.role,
                );
                assert.ok(envVar(w.container, "VLLM_NIXL_SIDE_CHANNEL_PORT")?.value, w.role);
            }
        });

        it("requests workerCpu 3 / workerMemory 12Gi at their limits, 1 GPU each", () => {
            for (const w of ws) {
                const r = w.container.resources!;
                assert.deepStrictEqual(
                    [r.requests?.cpu, r.limits?.cpu, r.requests?.memory, r.limits?.memory],
                    ["3", "3", "12Gi", "12Gi"],
                    w.role,
                );
                assert.strictEqual(r.limits?.["nvidia.com/gpu"], "1", w.role);
            }
        });

        it("requests 1 + 1 GPUs, all that 2 g5.xlarge provide", () => {
            const s = p.plan.summary;
            assert.strictEqual(s.prefillReplicas, 1);
            assert.strictEqual(s.decodeReplicas, 1);
            assert.strictEqual(s.gpusRequested, 2);
            assert.strictEqual(s.gpusProvisioned, 2);
        });
    });

    describe(`worker pods, graph=${graph}: tensorParallelSize=2 on llama31-pd`, () => {
        let p: StackPlan;
        let ws: Worker[];
        before(async () => {
            p = await planStack("llama31-pd", [...sets, "tensorParallelSize=2"]);
            ws = workers(p);
        });

        it("gives each pod 2 GPUs and passes --tensor-parallel-size 2", () => {
            for (const w of ws) {
                assert.strictEqual(w.container.resources?.limits?.["nvidia.com/gpu"], "2", w.role);
                assert.strictEqual(argValue(w.container.args ?? [], "--tensor-parallel-size"), "2", w.role);
            }
        });

        it("shares a node's 32 EFA devices among 4 pods (8 each) and keeps huge pages within the node", () => {
            for (const w of ws) {
                const r = w.container.resources!;
                assert.strictEqual(r.limits?.["vpc.amazonaws.com/efa"], "8", w.role);
                assert.ok(4 * mebibytes(r.limits!["hugepages-2Mi"]) + daemonSetHugepagesOnGpuNodes(p) <= NODE_HUGEPAGES_MI, w.role);
            }
        });

        it("requests and provisions 32 GPUs (16 pods x 2 on 4 nodes)", () => {
            assert.strictEqual(p.plan.summary.gpusRequested, 32);
            assert.strictEqual(p.plan.summary.gpusProvisioned, 32);
            assert.strictEqual(p.plan.summary.gpuNodes, 4);
        });
    });

    describe(`worker pods, graph=${graph}: dev with workerCpu=2500m, workerMemory=10Gi, blockSize=64`, () => {
        let ws: Worker[];
        before(async () => {
            ws = workers(await planStack("dev", [...sets, "workerCpu=2500m", "workerMemory=10Gi", "blockSize=64"]));
        });

        it("requests and limits exactly the configured CPU and memory", () => {
            for (const w of ws) {
                const r = w.container.resources!;
                assert.deepStrictEqual(
                    [r.requests?.cpu, r.limits?.cpu, r.requests?.memory, r.limits?.memory],
                    ["2500m", "2500m", "10Gi", "10Gi"],
                    w.role,
                );
            }
        });

        it("passes --block-size 64 to both roles", () => {
            for (const w of ws) {
                assert.strictEqual(argValue(w.container.args ?? [], "--block-size"), "64", w.role);
            }
        });
    });
}
