/**
 * The EKS node monitoring agent add-on: a DaemonSet on every node that reads the node's logs and
 * sets NodeConditions (KernelReady, NetworkingReady, StorageReady, AcceleratedHardwareReady),
 * which node auto repair on the GPU node group acts on (./gpuNodeGroup.ts). On NVIDIA GPU
 * instance types the add-on also runs a `dcgm-server` DaemonSet (nv-hostengine on port 5555) that
 * the agent's NVIDIA monitor queries for GPU health and diagnostics.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NODE_MONITORING_AGENT_REQUESTS } from "../../stacks/catalog/daemonSets";
import { GPU_TOLERATION } from "../k8s/pod";

/** The EKS add-on's name. */
export const NODE_MONITORING_AGENT_ADDON_NAME = "eks-node-monitoring-agent";

/**
 * `v1.6.6-eksbuild.1`, the agent's release v1.6.6 (2026-06-10): aws/eks-node-monitoring-agent tag
 * v1.6.6 (43e05924) charts/eks-node-monitoring-agent/values.yaml `nodeAgent.image.tag:
 * v1.6.6-eksbuild.1`. Named as the add-on version on a Kubernetes 1.35 cluster (kube-proxy
 * v1.35.3-eksbuild.2) in Combine-Pathfinder-Palisade's "Combine EKS Add-Ons" guidance, and as the
 * default add-on version `describe-addon-versions --kubernetes-version 1.36` returned in a public
 * tfvars file; zalando-incubator/kubernetes-on-aws PR #11470 moved to it. v1.6.7/v1.7.0 exist as
 * releases but no source read names them as add-on versions. Check before `pulumi up`:
 * `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name eks-node-monitoring-agent`.
 */
export const NODE_MONITORING_AGENT_ADDON_VERSION = "v1.6.6-eksbuild.1";

/**
 * configurationValues, keys of the add-on's schema at v1.6.6 (charts/configuration.schema.json:
 * `nodeAgent.resources`, `dcgmAgent.resources`, `dcgmAgent.tolerations`; additionalProperties false).
 * - nodeAgent: the chart's own requests and limits (values.yaml: 10m/30Mi, 250m/200Mi), written
 *   out so that the capacity tables count what is deployed. Its tolerations stay the chart's
 *   `operator: Exists`, which admits it to the tainted GPU nodes.
 * - dcgmAgent: the chart gives dcgm-server no tolerations (values.yaml `tolerations: []`), so
 *   without ours it would never run on the GPU nodes (nvidia.com/gpu=true:NoSchedule), and the
 *   agent would have no DCGM to ask about the GPUs. It requests nothing (values.yaml `resources: {}`).
 */
export function nodeMonitoringAgentConfiguration(): Record<string, unknown> {
    const requests = NODE_MONITORING_AGENT_REQUESTS;
    return {
        nodeAgent: {
            resources: {
                requests: { cpu: `${requests.cpuMillis}m`, memory: `${requests.memoryMiB}Mi` },
                limits: { cpu: "250m", memory: "200Mi" },
            },
        },
        dcgmAgent: { tolerations: [GPU_TOLERATION] },
    };
}

/** The cluster the add-on goes into. */
export interface NodeMonitoringAgentArgs {
    /** Name of the EKS cluster (an output of it, so the add-on is created after the cluster). */
    readonly clusterName: pulumi.Input<string>;
}

/** The node monitoring agent as an EKS add-on, pinned to NODE_MONITORING_AGENT_ADDON_VERSION. */
export class NodeMonitoringAgent extends pulumi.ComponentResource {
    public readonly addon: aws.eks.Addon;

    constructor(name: string, args: NodeMonitoringAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:cluster:NodeMonitoringAgent", name, {}, opts);
        this.addon = new aws.eks.Addon(
            name,
            {
                clusterName: args.clusterName,
                addonName: NODE_MONITORING_AGENT_ADDON_NAME,
                addonVersion: NODE_MONITORING_AGENT_ADDON_VERSION,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                configurationValues: JSON.stringify(nodeMonitoringAgentConfiguration()),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
