/**
 * The platform layer: what the serving graphs need in the cluster. Device plugins, the load
 * balancer controller, storage, the serving namespace with the HF token, the node-local model
 * cache and, for Dynamo, its platform chart (the operator), NATS and, with etcd discovery, etcd. Controllers wait for the system nodes only; what runs on
 * GPU nodes waits for those too.
 */
import * as pulumi from "@pulumi/pulumi";
import { workerImage } from "../../stacks/catalog/images";
import { StackConfig } from "../../stacks/resolve";
import { Cloud } from "../cloud";
import { DynamoPlatform } from "./dynamoPlatform";
import { EfaDevicePlugin } from "./efaDevicePlugin";
import { Etcd } from "./etcd";
import { LoadBalancerController } from "./loadBalancerController";
import { ModelCache, modelCacheHostPath } from "./modelCache";
import { Monitoring } from "./monitoring";
import { Nats } from "./nats";
import { NvidiaDevicePlugin } from "./nvidiaDevicePlugin";
import { ServingNamespace } from "./servingNamespace";
import { Storage } from "./storage";

/** Namespace of the serving graph, etcd and NATS. */
export const SERVING_NAMESPACE = "serving";

/** The slice of stack config the platform layer reads. */
export type PlatformConfig = Pick<
    StackConfig,
    | "clusterName"
    | "region"
    | "partition"
    | "kubernetesVersion"
    | "efa"
    | "graph"
    | "model"
    | "modelRevision"
    | "gpu"
    | "deployDynamoInfra"
    | "dynamoDiscovery"
    | "gpuNodeCount"
    | "monitoring"
    | "monitoringFootprint"
    | "monitoringAmpWorkspace"
    | "ttftP99AlertMs"
>;

/** Dynamo's control plane: present exactly when the Dynamo graph (or dynamoInfra) is deployed. */
export interface DynamoInfra {
    /** The Dynamo operator (dynamo-platform chart), pointed at our NATS and, with etcd discovery, our etcd. */
    readonly platform: DynamoPlatform;
    /** The 3-server NATS JetStream cluster: Dynamo's event plane (KV events). */
    readonly nats: Nats;
    /** The 3-member etcd, only with dynamoDiscovery=etcd. */
    readonly etcd: Etcd | undefined;
}

/** What the serving layer builds on. */
export interface Platform {
    /** Namespace of the serving graph. */
    readonly namespace: string;
    /** The serving namespace with the HF token Secret. */
    readonly servingNamespace: ServingNamespace;
    /** The node-local model cache on GPU nodes. */
    readonly modelCache: ModelCache;
    /** etcd and NATS, when deployed. */
    readonly dynamoInfra: DynamoInfra | undefined;
    /** What serving pods wait for: the LB controller (so destroy removes the NLB first), model cache, device plugins. */
    readonly servingDependencies: pulumi.Resource[];
    /** Prometheus, Grafana and the DCGM exporter, when `monitoring` is on. */
    readonly monitoring: Monitoring | undefined;
}

/** Builds the platform on the cloud's cluster. */
export function buildPlatform(config: PlatformConfig, cloud: Cloud, hfToken: pulumi.Output<string> | undefined): Platform {
    const { cluster, gpuNodes, network } = cloud;
    const inCluster = { provider: cluster.provider, dependsOn: [cluster.systemNodeGroup] };
    const onGpuNodes = { provider: cluster.provider, dependsOn: [cluster.systemNodeGroup, gpuNodes] };
    const nvidiaPlugin = new NvidiaDevicePlugin("nvidia-device-plugin", {}, onGpuNodes);
    const efaPlugin = config.efa ? new EfaDevicePlugin("efa-device-plugin", {}, onGpuNodes) : undefined;
    const loadBalancerController = new LoadBalancerController(
        "aws-load-balancer-controller",
        {
            clusterName: config.clusterName,
            region: config.region,
            partition: config.partition,
            vpcId: network.vpcId,
            oidcProviderArn: cluster.oidcProviderArn,
            oidcIssuer: cluster.oidcIssuer,
        },
        inCluster,
    );
    const storage = new Storage(
        "storage",
        {
            clusterName: config.clusterName,
            partition: config.partition,
            oidcProviderArn: cluster.oidcProviderArn,
            oidcIssuer: cluster.oidcIssuer,
        },
        inCluster,
    );
    const servingNamespace = new ServingNamespace(
        "serving",
        {
            name: SERVING_NAMESPACE,
            hfToken,
            kubernetesVersion: config.kubernetesVersion,
            modelCacheHostPath: modelCacheHostPath(config.gpu.nvmeInstanceStore),
        },
        { provider: cluster.provider },
    );
    const withVolumes = { provider: cluster.provider, dependsOn: [servingNamespace, storage] };
    // The operator's release goes in the serving namespace; it needs the system nodes to run on.
    const onSystemNodes = { provider: cluster.provider, dependsOn: [cluster.systemNodeGroup, servingNamespace] };
    const dynamoInfra = config.deployDynamoInfra
        ? buildDynamoInfra(config, storage.storageClassName, withVolumes, onSystemNodes)
        : undefined;
    const modelCache = new ModelCache(
        "model-cache",
        {
            namespace: SERVING_NAMESPACE,
            model: config.model,
            revision: config.modelRevision !== "" ? config.modelRevision : undefined,
            image: workerImage(config.graph, config.efa, config.region),
            nvme: config.gpu.nvmeInstanceStore,
            hfTokenSecretName: servingNamespace.hfTokenSecretName,
        },
        { provider: cluster.provider, dependsOn: [servingNamespace, gpuNodes] },
    );
    const monitoring = config.monitoring
        ? new Monitoring(
              "monitoring",
              {
                  clusterName: config.clusterName,
                  region: config.region,
                  oidcProviderArn: cluster.oidcProviderArn,
                  oidcIssuer: cluster.oidcIssuer,
                  storageClassName: storage.storageClassName,
                  footprint: config.monitoringFootprint,
                  ampWorkspace: config.monitoringAmpWorkspace,
                  ttftP99AlertSeconds: config.ttftP99AlertMs / 1000,
                  gpusPerNode: config.gpu.gpus,
                  gpuNodes: config.gpuNodeCount,
                  servingNamespace: SERVING_NAMESPACE,
                  etcd: dynamoInfra?.etcd,
                  nats: dynamoInfra?.nats,
                  gpuNodesDependency: [gpuNodes],
              },
              { provider: cluster.provider, dependsOn: [cluster.systemNodeGroup, storage] },
          )
        : undefined;
    return {
        namespace: SERVING_NAMESPACE,
        servingNamespace,
        modelCache,
        dynamoInfra,
        servingDependencies: [loadBalancerController, modelCache, nvidiaPlugin, ...(efaPlugin ? [efaPlugin] : [])],
        monitoring,
    };
}

/** NATS, etcd only with etcd discovery, and the operator wired to both by their Service URLs. */
function buildDynamoInfra(
    config: PlatformConfig,
    storageClassName: string,
    withVolumes: pulumi.ComponentResourceOptions,
    onSystemNodes: pulumi.ComponentResourceOptions,
): DynamoInfra {
    const nats = new Nats("nats", { namespace: SERVING_NAMESPACE, storageClassName, prometheusExporter: config.monitoring }, withVolumes);
    const etcd =
        config.dynamoDiscovery === "etcd" ? new Etcd("etcd", { namespace: SERVING_NAMESPACE, storageClassName }, withVolumes) : undefined;
    const platform = new DynamoPlatform(
        "dynamo-platform",
        { namespace: SERVING_NAMESPACE, natsAddress: nats.clientEndpoint, etcdAddress: etcd?.clientEndpoint },
        onSystemNodes,
    );
    return { platform, nats, etcd };
}
