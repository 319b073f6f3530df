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
import { Container, EnvVar, PodSpec, Probe } from "../helpers/k8sSchema";
import { DYNAMO_COMPONENT_KIND, withDynamoComponents } from "../helpers/dynamo";

/** AL2023 pre-allocates 5128 2 MiB huge pages on EFA instances (EKS user guide, node-efa). */
const NODE_HUGEPAGES_MI = 5128 * 2;

interface Workload {
    kind: string;
    metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: { replicas?: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

type Role = "prefill" | "decode";
const ROLES: Role[] = ["prefill", "decode"];

interface Worker {
    role: Role;
    workload: Workload;
    pod: PodSpec;
    container: Container;
}

/** The prefill and decode workloads (Deployment or StatefulSet) and their serving container. */
function workers(p: StackPlan): Worker[] {
    return ROLES.map((role) => {
        const found = withDynamoComponents(p.manifests()).filter(
            (o) =>
                ["Deployment", "StatefulSet", DYNAMO_COMPONENT_KIND].includes(o.kind) &&
                o.metadata.labels?.["app.kubernetes.io/component"] === role,
        ) as unknown as Workload[];
        assert.strictEqual(found.length, 1, `one ${role} workload, found ${found.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
        const pod = found[0].spec.template.spec;
        const gpuContainers = pod.containers.filter((c) => Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0) > 0);
        assert.strictEqual(gpuContainers.length, 1, `${role}: one container with GPUs`);
        return { role, workload: found[0], pod, container: gpuContainers[0] };
    });
}

function envVar(c: Container, name: string): EnvVar | undefined {
    const found = (c.env ?? []).filter((e) => e.name === name);
    assert.ok(found.length <= 1, `${c.name}: ${name} set ${found.length} times`);
    return found[0];
}

/** The value after `flag` (or in `flag=value`); undefined when the flag is absent. */
function argValue(args: string[], flag: string): string | undefined {
    const values = args.flatMap((a, i) => (a === flag ? [args[i + 1]] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));
    assert.ok(values.length <= 1, `${flag} given ${values.length} times`);
    return values[0];
}

/** The served model: `--model X`, or the positional model tag of `vllm serve X`. */
function modelOf(c: Container): string | undefined {
    const args = c.args ?? [];
    return argValue(args, "--model") ?? (args[0] !== undefined && !args[0].startsWith("-") ? args[0] : undefined);
}

function mebibytes(quantity: string): number {
    const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
    assert.ok(match, `unexpected quantity ${quantity}`);
    return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

/** Seconds a startup probe lets a container take before it is killed. */
function startupBudgetSeconds(probe: Probe): number {
    return (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
}

const TAINT_EFFECTS: Record<string, string> = {
    NO_SCHEDULE: "NoSchedule",
    NO_EXECUTE: "NoExecute",
    PREFER_NO_SCHEDULE: "PreferNoSchedule",
};

function isPinned(image: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) {
        return true;
    }
    const last = image.split("/").pop() ?? "";
    const tag = last.includes(":") ? last.slice(last.indexOf(":") + 1) : "";
    return tag !== "" && tag !== "latest";
}

function allContainers(p: StackPlan): { where: string; container: Container }[] {
    return withDynamoComponents(p.manifests()).flatMap((o) => {
        const spec = (o.spec?.template?.spec ?? undefined) as PodSpec | undefined;
        return spec
            ? [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({
                  where: `${o.kind}/${o.metadata.name}`,
                  container,
              }))
            : [];
    });
}

/** Huge pages (MiB) the DaemonSets put on every GPU node (they tolerate the GPU taint). */
function daemonSetHugepagesOnGpuNodes(p: StackPlan): number {
    return p
        .manifests()
        .filter((o) => o.kind === "DaemonSet")
        .map((o) => o.spec?.template?.spec as unknown as PodSpec)
        .filter(
            (spec) =>
                (spec.tolerations ?? []).some((t) => t.key === "nvidia.com/gpu") || spec.nodeSelector?.["pd-serving/node-pool"] === "gpu",
        )
        .flatMap((spec) => [...(spec.initContainers ?? []), ...spec.containers])
        .reduce((sum, c) => sum + mebibytes(c.resources?.requests?.["hugepages-2Mi"] ?? "0Mi"), 0);
}

const GRAPHS = [
    { graph: "vllm-router", sets: [] as string[] },
    { graph: "dynamo", sets: ["graph=dynamo"] },
];

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
