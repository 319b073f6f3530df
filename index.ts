/**
 * Disaggregated LLM serving on EKS. Reads the validated stack config and wires the components
 * together; every manifest detail lives under components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { GpuNodeGroup } from "./components/gpuNodeGroup";
import { Network, NetworkIds } from "./components/network";
import { ProgramOptions, loadStackConfig } from "./stacks/config";
import { hfTokenProblem } from "./stacks/validate";

export = async function program(options: ProgramOptions = {}) {
    const { config } = loadStackConfig();
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem && !options.offline && !pulumi.runtime.isDryRun()) {
        throw new pulumi.RunError(tokenProblem);
    } else if (tokenProblem) {
        pulumi.log.warn(tokenProblem);
    }

    let network: NetworkIds;
    let gpuSubnetIds: pulumi.Input<string>[] | undefined;
    if (config.createVpc) {
        const vpc = new Network("network", {
            cidrBlock: config.vpcCidr,
            availabilityZones: config.availabilityZones,
            clusterName: config.clusterName,
        });
        network = vpc;
        gpuSubnetIds = [vpc.privateSubnetIdByZone[config.gpuAvailabilityZone]];
    } else {
        network = { vpcId: config.vpcId, privateSubnetIds: config.privateSubnetIds, publicSubnetIds: config.publicSubnetIds };
    }

    const cluster = new Cluster("cluster", {
        clusterName: config.clusterName,
        kubernetesVersion: config.kubernetesVersion,
        network,
        adminRoleArns: config.adminRoleArns,
        apiPublicAccessCidrs: config.apiPublicAccessCidrs,
        systemInstanceType: config.systemInstanceType,
        systemNodeCount: config.systemNodeCount,
    });

    const gpuNodes = new GpuNodeGroup("gpu-nodes", {
        cluster: cluster.eksCluster,
        clusterName: config.clusterName,
        nodeRole: cluster.nodeRole,
        instanceType: config.gpuInstanceType,
        nodeCount: config.gpuNodeCount,
        efa: config.efa,
        availabilityZone: config.gpuAvailabilityZone,
        subnetIds: gpuSubnetIds,
        nvmeRaid0: config.gpu.nvmeInstanceStore,
    }, { dependsOn: [cluster] });

    return {
        clusterName: cluster.clusterName,
        region: config.region,
        kubeconfig: cluster.kubeconfig,
        nodeGroupNames: { system: cluster.systemNodeGroupName, gpu: gpuNodes.nodeGroupName },
        graph: config.graph,
        model: config.model,
        gpuInstanceType: config.gpuInstanceType,
        gpuNodeCount: config.gpuNodeCount,
    };
};
