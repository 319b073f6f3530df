/**
 * stacks/catalog/systemPods.ts, the requests the system-node capacity check counts, against what
 * the plans really put on system nodes: a workload added or resized there without the table
 * following fails here. And the check itself on a system node that is too small.
 */
import * as assert from "assert";
import { KubernetesObject, podSpecOf, workloadReplicas } from "../../plan/offline/objects";
import { parseCpuMillis, parseMemoryMiB } from "../../stacks/quantity";
import { SYSTEM_PODS } from "../../stacks/catalog/systemPods";
import { nodesFilledPast, systemCapacityProblem } from "../../stacks/validate/system";
import { planStack, StackPlan } from "../helpers/plan";

function onSystemNodes(o: KubernetesObject): boolean {
    return podSpecOf(o)?.nodeSelector?.["pd-serving/node-pool"] === "system";
}

/** CPU millicores and memory MiB one pod of the workload requests (its long-running containers). */
function podRequests(o: KubernetesObject): { cpuMillis: number; memoryMiB: number } {
    const containers = podSpecOf(o)?.containers ?? [];
    return containers.reduce(
        (sum, c) => ({
            cpuMillis: sum.cpuMillis + (parseCpuMillis(String(c.resources?.requests?.cpu ?? "0")) ?? 0),
            memoryMiB: sum.memoryMiB + (parseMemoryMiB(String(c.resources?.requests?.memory ?? "0")) ?? 0),
        }),
        { cpuMillis: 0, memoryMiB: 0 },
    );
}

describe("systemPods: the table matches the planned system workloads", () => {
    const plans: [string, () => Promise<StackPlan>][] = [
        ["vllm-router", () => planStack("llama31-pd")],
        ["dynamo", () => planStack("llama31-pd", ["graph=dynamo"])],
    ];
    for (const [graph, plan] of plans) {
        it(`${graph}: every workload on system nodes is in the table with its requests and replicas`, async () => {
            const p = await plan();
            const workloads = p.manifests().filter((o) => o.kind !== "DaemonSet" && onSystemNodes(o));
            assert.ok(workloads.length >= 1);
            for (const o of workloads) {
                const row = SYSTEM_PODS.find((r) => r.name === o.metadata.name);
                assert.ok(row, `${o.kind} ${o.metadata.name} runs on system nodes but is not in stacks/catalog/systemPods.ts`);
                assert.deepStrictEqual(podRequests(o), { cpuMillis: row.cpuMillis, memoryMiB: row.memoryMiB }, o.metadata.name);
                const replicas = row.replicas === "frontend" ? Number(p.plan.config.frontendReplicas) : row.replicas;
                assert.strictEqual(workloadReplicas(o), replicas, o.metadata.name);
            }
        });
    }

    it("the charts on system nodes the table counts as 0 request nothing in their values", async () => {
        const p = await planStack("llama31-pd", ["graph=dynamo"]);
        for (const name of ["aws-load-balancer-controller", "nats"]) {
            const values = p.resource("kubernetes:helm.sh/v3:Release", name).inputs.values as Record<string, unknown>;
            const text = JSON.stringify(values);
            assert.ok(!/"requests"/.test(text), `${name} values set requests: add them to the table`);
            assert.strictEqual(SYSTEM_PODS.find((r) => r.name === name)?.cpuMillis, 0);
        }
    });

    it("nodesFilledPast: how many nodes the other pods can fill past the room a pod needs", () => {
        assert.strictEqual(nodesFilledPast(0, 1000, 3), 0);
        assert.strictEqual(nodesFilledPast(1000, 1000, 3), 0, "1000m cannot fill a node past 1000m");
        assert.strictEqual(nodesFilledPast(1001, 1000, 3), 1);
        assert.strictEqual(nodesFilledPast(2001, 1000, 3), 2);
        assert.strictEqual(nodesFilledPast(9000, 1000, 3), 3, "at most every node");
        assert.strictEqual(nodesFilledPast(1, 0, 3), 3, "no room at all: every node is full for it");
    });

    it("free pods need some node with room, pinned members room beside everything else on their node", () => {
        const dev = {
            graph: "dynamo" as const,
            dynamoInfra: false,
            dynamoDiscovery: "kubernetes" as const,
            monitoring: true,
            monitoringFootprint: "small" as const,
            frontendReplicas: 1,
            systemNodeCount: 3,
            systemInstanceType: "m7i.xlarge",
        };
        // More pods than one m7i.xlarge holds (3937m of 3705m after DaemonSets), spread over three.
        assert.strictEqual(systemCapacityProblem(dev), undefined);
        // etcd members are pinned one per node: a member's node may hold everything else first.
        assert.match(systemCapacityProblem({ ...dev, dynamoDiscovery: "etcd" }) ?? "", /^a node that must take its etcd member/);
        assert.strictEqual(systemCapacityProblem({ ...dev, dynamoDiscovery: "etcd", systemInstanceType: "m7i.2xlarge" }), undefined);
    });
});
