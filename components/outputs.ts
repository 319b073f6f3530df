/** The stack outputs users read after `pulumi up` (`pulumi stack output`). */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../stacks/resolve";
import { costEstimate } from "../stacks/sizing/cost";
import { Cloud } from "./cloud";
import { Platform } from "./platform";
import { ServingGraph } from "./serving/graph";
import { ServingProof } from "./serving/proof";

/** The stack's outputs from what the layers built. */
export function stackOutputs(config: StackConfig, cloud: Cloud, platform: Platform, graph: ServingGraph | undefined, proof?: ServingProof) {
    const ns = platform.namespace;
    return {
        endpoint: graph ? pulumi.interpolate`${graph.endpoint.scheme}://${graph.endpoint.hostname}/v1` : null,
        /** Send as `Authorization: Bearer <apiKey>` (`pulumi stack output --show-secrets apiKey`). */
        apiKey: graph ? graph.gateway.apiKey : null,
        portForwardCommand: graph
            ? `kubectl -n ${ns} port-forward svc/${graph.frontendServiceName} ${graph.frontendPort}:${graph.frontendPort}  # then http://localhost:${graph.frontendPort}/v1`
            : null,
        metricsEndpoints: graph?.metricsEndpoints ?? {},
        /** Where the benchmark and accuracy Jobs upload results (`npm run proof` fetches from it). */
        proofResultsBucket: proof?.resultsBucketName ?? null,
        etcdEndpoint: platform.dynamoInfra?.etcd?.clientEndpoint ?? null,
        natsEndpoint: platform.dynamoInfra?.nats.clientEndpoint ?? null,
        graph: config.graph,
        model: config.model,
        clusterName: cloud.cluster.clusterName,
        region: config.region,
        kubeconfig: cloud.cluster.kubeconfig,
        nodeGroupNames: { system: cloud.cluster.systemNodeGroupName, gpu: cloud.gpuNodes.nodeGroupName },
        gpuInstanceType: config.gpuInstanceType,
        gpuNodeCount: config.gpuNodeCount,
        costEstimate: costEstimate(config),
        grafanaPortForwardCommand: platform.monitoring?.grafanaPortForwardCommand ?? null,
        grafanaAdminPassword: platform.monitoring?.grafanaAdminPassword ?? null,
        prometheusUrl: platform.monitoring?.prometheusUrl ?? null,
        ampWorkspaceEndpoint: platform.monitoring?.amp?.workspace.prometheusEndpoint ?? null,
    };
}
