/**
 * Disaggregated LLM serving on EKS. Reads the validated stack config and wires the components
 * together; every manifest detail lives under components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { DynamoGraph } from "./components/dynamoGraph";
import { EfaDevicePlugin } from "./components/efaDevicePlugin";
import { Etcd } from "./components/etcd";
import { GpuNodeGroup } from "./components/gpuNodeGroup";
import { GraphArgs, ServingGraph } from "./components/graph";
import { DYNAMO_IMAGE, VLLM_IMAGE, vllmEfaImage } from "./components/images";
import { LoadBalancerController } from "./components/loadBalancerController";
import { ModelCache } from "./components/modelCache";
import { Nats } from "./components/nats";
import { Network, NetworkIds } from "./components/network";
import { NvidiaDevicePlugin } from "./components/nvidiaDevicePlugin";
import { ServingNamespace } from "./components/servingNamespace";
import { Storage } from "./components/storage";
import { VllmRouterGraph } from "./components/vllmRouterGraph";
import { ProgramOptions, loadStackConfig } from "./stacks/config";
import { costEstimate } from "./stacks/cost";
import { configWarnings, hfTokenProblem } from "./stacks/validate";

/** Namespace of the serving graph, etcd and NATS. */
const SERVING_NAMESPACE = "serving";
/** Stands in for an unset hfToken in the offline plan (redacted like any secret). */
const OFFLINE_TOKEN_PLACEHOLDER = "<hfToken: set before pulumi up>";

export = async function program(options: ProgramOptions = {}) {
    const loaded = loadStackConfig();
    const config = loaded.config;
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem && !options.offline && !pulumi.runtime.isDryRun()) {
        throw new pulumi.RunError(tokenProblem);
    }
    // Offline, a gated model without a token still plans the Secret that pulumi up will need.
    const hfToken = loaded.hfToken ?? (tokenProblem && options.offline ? pulumi.secret(OFFLINE_TOKEN_PLACEHOLDER) : undefined);
    configWarnings(config).forEach((warning) => pulumi.log.warn(warning));

    // Cloud: network, cluster, node groups.
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
        gpuSubnetIds = config.gpuSubnetIds.length > 0 ? config.gpuSubnetIds : undefined;
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
        capacityType: config.gpuCapacityType,
        capacityReservationId: config.gpuCapacityReservationId !== "" ? config.gpuCapacityReservationId : undefined,
        efaInterfaces: config.gpu.maxEfaDevices,
        clusterSecurityGroupId: cluster.primarySecurityGroupId,
    }, { dependsOn: [cluster] });

    // Platform: device plugins, load balancer controller, storage, etcd and NATS, model cache.
    // Controllers wait for the system nodes only; what runs on GPU nodes waits for those too.
    const inCluster = { provider: cluster.provider, dependsOn: [cluster.systemNodeGroup] };
    const onGpuNodes = { provider: cluster.provider, dependsOn: [cluster.systemNodeGroup, gpuNodes] };
    const nvidiaPlugin = new NvidiaDevicePlugin("nvidia-device-plugin", {}, onGpuNodes);
    const efaPlugin = config.efa ? new EfaDevicePlugin("efa-device-plugin", {}, onGpuNodes) : undefined;
    const loadBalancerController = new LoadBalancerController("aws-load-balancer-controller", {
        clusterName: config.clusterName,
        region: config.region,
        vpcId: network.vpcId,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
    }, inCluster);
    const storage = new Storage("storage", {
        clusterName: config.clusterName,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
    }, inCluster);
    const serving = new ServingNamespace("serving", { name: SERVING_NAMESPACE, hfToken }, { provider: cluster.provider });
    const inServing = { provider: cluster.provider, dependsOn: [serving] };
    const etcd = config.deployDynamoInfra
        ? new Etcd("etcd", { namespace: SERVING_NAMESPACE, storageClassName: storage.storageClassName }, { ...inServing, dependsOn: [serving, storage] })
        : undefined;
    const nats = config.deployDynamoInfra
        ? new Nats("nats", { namespace: SERVING_NAMESPACE, storageClassName: storage.storageClassName }, { ...inServing, dependsOn: [serving, storage] })
        : undefined;

    const workerImage = config.graph === "dynamo" ? DYNAMO_IMAGE : config.efa ? vllmEfaImage(config.region) : VLLM_IMAGE;
    const modelCache = new ModelCache("model-cache", {
        namespace: SERVING_NAMESPACE,
        model: config.model,
        image: workerImage,
        nvme: config.gpu.nvmeInstanceStore,
        hfTokenSecretName: serving.hfTokenSecretName,
    }, { ...inServing, dependsOn: [serving, gpuNodes] });

    // Serving graph, behind the load balancer controller so destroy removes the NLB first.
    const graphArgs: GraphArgs = {
        namespace: SERVING_NAMESPACE,
        engine: { model: config.model, blockSize: config.blockSize, maxModelLen: config.maxModelLen, tensorParallelSize: config.tensorParallelSize },
        prefillReplicas: config.prefillReplicas,
        decodeReplicas: config.decodeReplicas,
        frontendReplicas: config.frontendReplicas,
        worker: {
            gpus: config.gpusPerPod,
            cpu: config.workerCpu,
            memory: config.workerMemory,
            efaDevices: config.efaDevicesPerPod,
            hugepagesMi: config.hugepagesPerPodMi,
            sharedMemory: config.sharedMemory,
        },
        efa: config.efa,
        gpuDirectRdma: config.gpu.gpuDirectRdma,
        modelCache: modelCache.mount,
        endpointScheme: config.endpointScheme,
        endpointAllowedCidrs: config.endpointAllowedCidrs,
    };
    const graphDeps = [loadBalancerController, modelCache, nvidiaPlugin, ...(efaPlugin ? [efaPlugin] : [])];
    // prefillReplicas = decodeReplicas = 0 parks the graph: cluster and platform stay, no GPU pods.
    const parked = config.gpuPods === 0;
    const graph: ServingGraph | undefined = parked ? undefined : config.graph === "dynamo"
        ? new DynamoGraph("dynamo", {
            ...graphArgs,
            etcdEndpoint: etcd!.clientEndpoint,
            natsEndpoint: nats!.clientEndpoint,
            natsMonitorEndpoint: nats!.monitorEndpoint,
            routerMode: config.dynamoRouterMode,
        }, { provider: cluster.provider, dependsOn: [...graphDeps, etcd!, nats!] })
        : new VllmRouterGraph("vllm-router", {
            ...graphArgs,
            workerImage,
            policy: config.routerPolicy,
        }, { provider: cluster.provider, dependsOn: graphDeps });

    return {
        endpoint: graph ? pulumi.interpolate`http://${graph.endpoint.hostname}/v1` : null,
        portForwardCommand: graph
            ? `kubectl -n ${SERVING_NAMESPACE} port-forward svc/${graph.frontendServiceName} ${graph.frontendPort}:${graph.frontendPort}  # then http://localhost:${graph.frontendPort}/v1`
            : null,
        metricsEndpoints: graph?.metricsEndpoints ?? {},
        etcdEndpoint: etcd?.clientEndpoint ?? null,
        natsEndpoint: nats?.clientEndpoint ?? null,
        graph: config.graph,
        model: config.model,
        clusterName: cluster.clusterName,
        region: config.region,
        kubeconfig: cluster.kubeconfig,
        nodeGroupNames: { system: cluster.systemNodeGroupName, gpu: gpuNodes.nodeGroupName },
        gpuInstanceType: config.gpuInstanceType,
        gpuNodeCount: config.gpuNodeCount,
        costEstimate: costEstimate(config),
    };
};
