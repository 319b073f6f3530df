/**
 * GPU node health: the GPU node group repairs unhealthy nodes on its own (node auto repair), and
 * the EKS node monitoring agent add-on, which reports the GPU health conditions repair acts on,
 * runs on the tainted GPU nodes with what the capacity tables count for it.
 */
import * as assert from "assert";
import { DCGM_SERVER_REQUESTS, GPU_NODE_DAEMONSETS, NODE_MONITORING_AGENT_REQUESTS } from "../../stacks/catalog/daemonSets";
import { SYSTEM_NODE_DAEMONSETS } from "../../stacks/catalog/systemPods";
import { NODE_MONITORING_AGENT_V1_6_6, unknownKeys } from "../fixtures/addonSchemas";
import { nodeTaint, Toleration, tolerates } from "../helpers/k8sSchema";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const ADDON = "aws:eks/addon:Addon";

interface AgentConfig {
    nodeAgent?: { resources?: { requests?: { cpu?: string; memory?: string } }; tolerations?: Toleration[] };
    dcgmAgent?: { tolerations?: Toleration[] };
}

function agentOf(p: StackPlan): PlannedResource {
    const found = p.resources(ADDON).filter((a) => a.inputs.addonName === "eks-node-monitoring-agent");
    assert.strictEqual(found.length, 1, "one node monitoring agent add-on");
    return found[0];
}

for (const stack of ["llama31-pd", "dev"]) {
    describe(`node health: ${stack}`, () => {
        let p: StackPlan;
        let agent: PlannedResource;
        let config: AgentConfig;
        before(async () => {
            p = await planStack(stack);
            agent = agentOf(p);
            config = JSON.parse(agent.inputs.configurationValues as string) as AgentConfig;
        });

        it("the GPU node group repairs unhealthy nodes, one at a time, and stops when more than half are unhealthy", () => {
            assert.deepStrictEqual(p.nodeGroup("gpu").inputs.nodeRepairConfig, {
                enabled: true,
                maxParallelNodesRepairedCount: 1,
                maxUnhealthyNodeThresholdPercentage: 50,
            });
        });

        it("installs the node monitoring agent add-on at the pinned version, into the cluster, after the system nodes", () => {
            assert.strictEqual(agent.inputs.addonVersion, "v1.6.6-eksbuild.1");
            assert.strictEqual(agent.inputs.clusterName, p.only("eks:index:Cluster").inputs.name);
            const component = p.resource("pd-serving:cluster:NodeMonitoringAgent", "node-monitoring-agent");
            assert.ok(component.dependsOn.includes("aws:eks/nodeGroup:NodeGroup::cluster-system"), component.dependsOn.join(", "));
        });

        it("sets only configuration keys the add-on's v1.6.6 schema has", () => {
            assert.deepStrictEqual(unknownKeys(config, NODE_MONITORING_AGENT_V1_6_6), []);
        });

        it("runs its dcgm-server on the tainted GPU nodes (the chart gives it no tolerations); the agent keeps the chart's tolerate-all", () => {
            const taints = (p.nodeGroup("gpu").inputs.taints as { key: string; value?: string; effect: string }[]).map(nodeTaint);
            assert.ok(taints.length > 0);
            for (const taint of taints) {
                assert.ok(tolerates(config.dcgmAgent?.tolerations, taint), `dcgm-server does not tolerate ${JSON.stringify(taint)}`);
            }
            assert.strictEqual(config.nodeAgent?.tolerations, undefined, "a list of ours would replace the chart's `operator: Exists`");
        });

        it("requests what the GPU and system DaemonSet tables count for it", () => {
            const requests = config.nodeAgent?.resources?.requests;
            assert.deepStrictEqual(requests, {
                cpu: `${NODE_MONITORING_AGENT_REQUESTS.cpuMillis}m`,
                memory: `${NODE_MONITORING_AGENT_REQUESTS.memoryMiB}Mi`,
            });
            for (const table of [GPU_NODE_DAEMONSETS, SYSTEM_NODE_DAEMONSETS]) {
                const row = table.find((d) => d.name === "eks-node-monitoring-agent");
                assert.deepStrictEqual(row && { cpuMillis: row.cpuMillis, memoryMiB: row.memoryMiB }, NODE_MONITORING_AGENT_REQUESTS);
            }
            const dcgm = GPU_NODE_DAEMONSETS.find((d) => d.name === "dcgm-server");
            assert.deepStrictEqual(dcgm && { cpuMillis: dcgm.cpuMillis, memoryMiB: dcgm.memoryMiB }, DCGM_SERVER_REQUESTS);
        });
    });
}
