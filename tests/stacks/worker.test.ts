/**
 * components/worker.ts and components/nixl.ts as both graphs use them: the prefill and decode
 * pods must land on GPU nodes, get the GPUs, CPU, memory, EFA devices and huge pages the config
 * asks for (and no more than a node has), move KV cache over NIXL with a side channel on the pod
 * IP, share block size and model across roles, survive multi-minute model loads, and not make
 * `pulumi up` give up on the provider's 10-minute default await.
 */
import * as assert from "assert";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { planStack, StackPlan } from "../helpers/plan";
import {
    allContainers,
    argValue,
    daemonSetHugepagesOnGpuNodes,
    envVar,
    GRAPHS,
    isPinned,
    mebibytes,
    modelOf,
    NODE_HUGEPAGES_MI,
    startupBudgetSeconds,
    TAINT_EFFECTS,
    Worker,
    workers,
} from "../helpers/workers";

for (const { graph, sets } of GRAPHS) {
    describe(`worker pods, graph=${graph}: llama31-pd (p5.48xlarge, EFA)`, () => {
        let p: StackPlan;
        let ws: Worker[];
        before(async () => {
            p = await planStack("llama31-pd", sets);
            ws = workers(p);
        });

        it("plans the graph asked for", () => {
            assert.strictEqual(p.plan.summary.graph, graph);
            for (const w of ws) {
                assert.strictEqual(w.workload.metadata.labels?.["pd-serving/graph"], graph);
            }
        });

        it("gives each pod nvidia.com/gpu = tensorParallelSize (1) and passes --tensor-parallel-size 1", () => {
            for (const w of ws) {
                assert.strictEqual(w.container.resources?.limits?.["nvidia.com/gpu"], String(p.plan.config.tensorParallelSize), w.role);
                assert.strictEqual(w.container.resources?.limits?.["nvidia.com/gpu"], "1", w.role);
                assert.strictEqual(argValue(w.container.args ?? [], "--tensor-parallel-size"), "1", w.role);
            }
        });

        it("requests CPU and memory at their limits, from workerCpu/workerMemory", () => {
            for (const w of ws) {
                const r = w.container.resources!;
                assert.strictEqual(r.requests?.cpu, "22", w.role);
                assert.strictEqual(r.requests?.memory, "100Gi", w.role);
                assert.strictEqual(r.limits?.cpu, r.requests?.cpu, `${w.role}: cpu limit = request`);
                assert.strictEqual(r.limits?.memory, r.requests?.memory, `${w.role}: memory limit = request`);
            }
        });

        it("tolerates every taint of the GPU node group", () => {
            const taints = p.nodeGroup("gpu").inputs.taints as { key: string; value: string; effect: string }[];
            assert.ok(taints.length > 0, "the GPU node group is tainted");
            for (const w of ws) {
                for (const taint of taints) {
                    const tolerated = (w.pod.tolerations ?? []).some(
                        (t) =>
                            t.key === taint.key &&
                            t.effect === TAINT_EFFECTS[taint.effect] &&
                            (t.operator === "Exists" || t.value === taint.value),
                    );
                    assert.ok(tolerated, `${w.role} does not tolerate ${JSON.stringify(taint)}: ${JSON.stringify(w.pod.tolerations)}`);
                }
            }
        });

        it("selects the GPU pool and, with EFA, nodes labelled pd-serving/efa=true; the GPU node group carries those labels", () => {
            const nodeLabels = p.nodeGroup("gpu").inputs.labels as Record<string, string>;
            for (const w of ws) {
                assert.strictEqual(w.pod.nodeSelector?.["pd-serving/node-pool"], "gpu", w.role);
                assert.strictEqual(w.pod.nodeSelector?.["pd-serving/efa"], "true", w.role);
                for (const [key, value] of Object.entries(w.pod.nodeSelector ?? {})) {
                    assert.strictEqual(nodeLabels[key], value, `${w.role} selects ${key}=${value}, which GPU nodes lack`);
                }
            }
        });

        it("never puts a prefill pod on a node with a decode pod (required anti-affinity by hostname, EFA same-node transfers fail)", () => {
            for (const w of ws) {
                const other = ws.find((o) => o.role !== w.role)!;
                const terms = w.pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
                const term = terms.find((t) => t.topologyKey === "kubernetes.io/hostname");
                assert.ok(term, `${w.role}: no required anti-affinity over kubernetes.io/hostname`);
                const selector = term.labelSelector?.matchLabels ?? {};
                const matches = (labels: Record<string, string>) =>
                    Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
                assert.ok(matches(other.workload.spec.template.metadata.labels), `${w.role}: the anti-affinity misses ${other.role} pods`);
                assert.ok(!matches(w.workload.spec.template.metadata.labels), `${w.role}: the anti-affinity repels its own pods`);
            }
        });

        it("packs each role onto nodes of its own (preferred affinity to its own pods, no spreading that would scatter them)", () => {
            for (const w of ws) {
                const own = w.workload.spec.template.metadata.labels;
                const affinity = w.pod.affinity as
                    | {
                          podAffinity?: {
                              preferredDuringSchedulingIgnoredDuringExecution?: {
                                  weight: number;
                                  podAffinityTerm: { topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } };
                              }[];
                          };
                      }
                    | undefined;
                const preferred = affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
                assert.ok(
                    preferred.some(
                        (t) =>
                            t.podAffinityTerm.topologyKey === "kubernetes.io/hostname" &&
                            Object.entries(t.podAffinityTerm.labelSelector?.matchLabels ?? { none: "" }).every(([k, v]) => own[k] === v),
                    ),
                    `${w.role}: no preferred affinity to its own pods`,
                );
                assert.deepStrictEqual(w.pod.topologySpreadConstraints ?? [], [], `${w.role}: spreading fights packing`);
            }
        });

        it("shares the 32 EFA devices of a p5.48xlarge among its 8 pods: vpc.amazonaws.com/efa = 4 per pod", () => {
            const p5 = GPU_INSTANCE_TYPES["p5.48xlarge"];
            const podsPerNode = p5.gpus / (p.plan.config.tensorParallelSize as number);
            for (const w of ws) {
                const efa = w.container.resources?.limits?.["vpc.amazonaws.com/efa"];
                assert.strictEqual(efa, "4", w.role);
                assert.strictEqual(Number(efa), p5.maxEfaDevices / podsPerNode, w.role);
                const requested = w.container.resources?.requests?.["vpc.amazonaws.com/efa"];
                assert.ok(requested === undefined || requested === efa, `${w.role}: EFA request ${requested} differs from the limit`);
            }
        });

        it("requests hugepages-2Mi at its limit, and a full node's pods fit in the 5128 pre-allocated pages", () => {
            const podsPerNode = p.plan.summary.gpusPerNode / (p.plan.config.tensorParallelSize as number);
            for (const w of ws) {
                const r = w.container.resources!;
                assert.ok(r.limits?.["hugepages-2Mi"], `${w.role}: no hugepages-2Mi limit`);
                assert.strictEqual(r.requests?.["hugepages-2Mi"], r.limits?.["hugepages-2Mi"], `${w.role}: hugepages request = limit`);
                const perNode = podsPerNode * mebibytes(r.limits!["hugepages-2Mi"]) + daemonSetHugepagesOnGpuNodes(p);
                assert.ok(
                    perNode <= NODE_HUGEPAGES_MI,
                    `${w.role}: ${podsPerNode} pods need ${perNode}Mi of huge pages, the node has ${NODE_HUGEPAGES_MI}Mi`,
                );
                assert.ok(
                    w.pod.volumes?.some((v) => v.emptyDir?.medium === "HugePages"),
                    `${w.role}: no HugePages volume`,
                );
            }
        });

        it("adds IPC_LOCK so libfabric can pin memory, and is not privileged (that would expose every GPU of the node)", () => {
            for (const w of ws) {
                assert.ok(w.container.securityContext?.capabilities?.add?.includes("IPC_LOCK"), w.role);
                assert.notStrictEqual((w.container.securityContext as { privileged?: boolean } | undefined)?.privileged, true, w.role);
            }
        });

        it("moves KV cache over libfabric on EFA (FI_PROVIDER=efa), or over the documented TCP fallback with its warning", () => {
            const fallbackWarned = p.warnings.some((w) => w.includes("falls back to TCP"));
            for (const w of ws) {
                const libfabric = envVar(w.container, "FI_PROVIDER")?.value === "efa";
                const ucx = envVar(w.container, "UCX_TLS")?.value;
                if (graph === "vllm-router") {
                    assert.ok(libfabric, `${w.role}: FI_PROVIDER=efa expected on EFA`);
                    // The env of the DLC's NIXL LIBFABRIC P/D test and Dynamo's efa.md; p5 has GPUDirect RDMA.
                    assert.strictEqual(envVar(w.container, "FI_EFA_USE_DEVICE_RDMA")?.value, "1", w.role);
                    assert.strictEqual(envVar(w.container, "FI_EFA_ENABLE_SHM_TRANSFER")?.value, "0", w.role);
                    assert.strictEqual(envVar(w.container, "VLLM_KV_CACHE_LAYOUT")?.value, "HND", w.role);
                    assert.strictEqual(envVar(w.container, "UCX_TLS"), undefined, w.role);
                } else {
                    assert.ok(
                        libfabric !== fallbackWarned,
                        `${w.role}: either FI_PROVIDER=efa or the TCP fallback warning (FI_PROVIDER efa: ${libfabric}, warned: ${fallbackWarned})`,
                    );
                    if (!libfabric) {
                        assert.ok(ucx?.includes("tcp"), `${w.role}: the fallback needs UCX over TCP, UCX_TLS=${ucx}`);
                    }
                }
            }
        });

        it("sets the NIXL side channel on the pod IP (fieldRef status.podIP) and an explicit port the container declares", () => {
            for (const w of ws) {
                const host = envVar(w.container, "VLLM_NIXL_SIDE_CHANNEL_HOST");
                assert.strictEqual(host?.valueFrom?.fieldRef?.fieldPath, "status.podIP", w.role);
                assert.strictEqual(host?.value, undefined, w.role);
                const port = envVar(w.container, "VLLM_NIXL_SIDE_CHANNEL_PORT")?.value;
                assert.ok(port !== undefined && /^\d+$/.test(port), `${w.role}: VLLM_NIXL_SIDE_CHANNEL_PORT=${port}`);
                assert.ok(
                    w.container.ports?.some((cp) => cp.containerPort === Number(port)),
                    `${w.role}: port ${port} not declared`,
                );
            }
        });

        it("runs both roles with the same --block-size (blockSize) and the same model", () => {
            const [prefill, decode] = ws.map((w) => w.container);
            assert.strictEqual(argValue(prefill.args ?? [], "--block-size"), String(p.plan.config.blockSize));
            assert.strictEqual(argValue(decode.args ?? [], "--block-size"), String(p.plan.config.blockSize));
            assert.strictEqual(modelOf(prefill), "meta-llama/Llama-3.1-8B-Instruct");
            assert.strictEqual(modelOf(decode), modelOf(prefill));
        });

        it("mounts a memory-backed emptyDir at /dev/shm", () => {
            for (const w of ws) {
                const mount = w.container.volumeMounts?.find((m) => m.mountPath === "/dev/shm");
                assert.ok(mount, `${w.role}: nothing at /dev/shm`);
                const volume = w.pod.volumes?.find((v) => v.name === mount.name);
                assert.strictEqual(volume?.emptyDir?.medium, "Memory", w.role);
            }
        });

        it("has startup, readiness and liveness probes, with at least 20 minutes to start", () => {
            for (const w of ws) {
                const c = w.container;
                assert.ok(c.startupProbe && c.readinessProbe && c.livenessProbe, `${w.role}: a probe is missing`);
                assert.ok(
                    startupBudgetSeconds(c.startupProbe) >= 20 * 60,
                    `${w.role}: startup budget ${startupBudgetSeconds(c.startupProbe)} s`,
                );
            }
        });

        it("tells pulumi-kubernetes to wait at least 30 minutes for the workers (the 10-minute default fails pulumi up)", () => {
            for (const w of ws) {
                const timeout = Number(w.workload.metadata.annotations?.["pulumi.com/timeoutSeconds"]);
                assert.ok(timeout >= 1800, `${w.role}: pulumi.com/timeoutSeconds=${timeout}`);
            }
        });

        it("pins every image of every container to a tag or digest, never latest", () => {
            const containers = allContainers(p);
            assert.ok(containers.length >= 4);
            for (const { where, container } of containers) {
                assert.ok(isPinned(container.image), `${where} ${container.name}: ${container.image}`);
            }
        });

        it("requests all 16 provisioned GPUs: 8 prefill + 8 decode x 1", () => {
            const s = p.plan.summary;
            assert.strictEqual(s.gpusRequested, 16);
            assert.strictEqual(s.gpusProvisioned, 16);
            assert.strictEqual(s.prefillReplicas, 8);
            assert.strictEqual(s.decodeReplicas, 8);
        });
    });
}
