/**
 * The serving layer: the prefill/decode graph chosen by `graph`, or none when the graph is
 * parked (prefillReplicas = decodeReplicas = 0: cluster and platform stay, no GPU pods).
 */
import { DYNAMO_IMAGE, dynamoWorkerImage, workerImage } from "../../stacks/catalog/images";
import { StackConfig } from "../../stacks/resolve";
import { Cloud } from "../cloud";
import { Platform } from "../platform";
import { HF_TOKEN_KEY } from "../platform/servingNamespace";
import { DynamoGraph } from "./dynamoGraph";
import { GraphArgs, ServingGraph } from "./graph";
import { VllmRouterGraph } from "./vllmRouterGraph";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_PORT } from "./gateway";
import { ServingNetworkPolicies } from "./networkPolicies";
import { PROOF_POD_LABELS } from "./proof/job";

/** The slice of stack config the serving layer reads. */
export type ServingConfig = Pick<
    StackConfig,
    | "graph"
    | "model"
    | "modelRevision"
    | "region"
    | "efa"
    | "gpu"
    | "gpuPods"
    | "gpusPerPod"
    | "blockSize"
    | "maxModelLen"
    | "tensorParallelSize"
    | "prefillReplicas"
    | "decodeReplicas"
    | "frontendReplicas"
    | "workerCpu"
    | "workerMemory"
    | "efaDevicesPerPod"
    | "hugepagesPerPodMi"
    | "sharedMemory"
    | "endpointScheme"
    | "endpointAllowedCidrs"
    | "endpointScheme"
    | "endpointCertificateArn"
    | "dynamoRouterMode"
    | "dynamoDiscovery"
    | "routerPolicy"
    | "routerDecodePolicy"
>;

/** Builds the serving graph `config.graph` names, or undefined when it is parked. */
export function servingGraph(config: ServingConfig, cloud: Cloud, platform: Platform): ServingGraph | undefined {
    if (config.gpuPods === 0) {
        return undefined;
    }
    const args: GraphArgs = {
        namespace: platform.namespace,
        engine: {
            model: config.model,
            blockSize: config.blockSize,
            maxModelLen: config.maxModelLen,
            tensorParallelSize: config.tensorParallelSize,
            revision: config.modelRevision !== "" ? config.modelRevision : undefined,
        },
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
        modelCache: platform.modelCache.mount,
        endpointScheme: config.endpointScheme,
        // Source ranges on every scheme: without them the LB controller opens the NLB to 0.0.0.0/0.
        endpointAllowedCidrs:
            config.endpointAllowedCidrs.length > 0 || config.endpointScheme !== "internal"
                ? config.endpointAllowedCidrs
                : [cloud.network.vpcCidr],
        endpointCertificateArn: config.endpointCertificateArn,
    };
    const provider = cloud.cluster.provider;
    const graph = buildGraph(config, platform, args, provider);
    const infra = platform.dynamoInfra;
    new ServingNetworkPolicies(
        "serving-network-policies",
        {
            namespace: platform.namespace,
            graph: config.graph,
            frontendComponent: graph.frontendServiceName,
            gatewayPods: graph.gateway.podLabels,
            gatewayPort: GATEWAY_PORT,
            frontendPort: graph.frontendPort,
            modelCachePods: platform.modelCache.podLabels,
            proofPods: PROOF_POD_LABELS,
            infraPeers: [
                ...(infra ? [{ name: "nats", pods: infra.nats.serverLabels, ports: infra.nats.peerPorts }] : []),
                ...(infra?.etcd ? [{ name: "etcd", pods: infra.etcd.memberLabels, ports: infra.etcd.peerPorts }] : []),
            ],
        },
        { provider },
    );
    return graph;
}

/** The graph config.graph names. */
function buildGraph(config: ServingConfig, platform: Platform, args: GraphArgs, provider: pulumi.ProviderResource): ServingGraph {
    if (config.graph === "dynamo") {
        const infra = platform.dynamoInfra;
        if (!infra) {
            throw new Error("graph=dynamo needs the platform's Dynamo operator and NATS (StackConfig.deployDynamoInfra)");
        }
        const tokenSecret = platform.servingNamespace.hfTokenSecretName;
        return new DynamoGraph(
            "dynamo",
            {
                ...args,
                routerMode: config.dynamoRouterMode,
                discovery: config.dynamoDiscovery,
                workerImage: dynamoWorkerImage(config.efa),
                frontendImage: DYNAMO_IMAGE,
                hfToken: tokenSecret
                    ? { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: tokenSecret, key: HF_TOKEN_KEY } } }
                    : undefined,
            },
            // The operator's webhooks and CRDs come with its release; NATS (and etcd) before the pods that use them.
            {
                provider,
                dependsOn: [...platform.servingDependencies, infra.platform, infra.nats, ...(infra.etcd ? [infra.etcd] : [])],
            },
        );
    }
    return new VllmRouterGraph(
        "vllm-router",
        {
            ...args,
            workerImage: workerImage(config.graph, config.efa, config.region),
            prefillPolicy: config.routerPolicy,
            decodePolicy: config.routerDecodePolicy,
        },
        { provider, dependsOn: platform.servingDependencies },
    );
}
