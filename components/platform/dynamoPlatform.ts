import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart, pinnedRelease } from "../k8s/helm";
import { NODE_POOL_LABEL, SYSTEM_POOL } from "../k8s/labels";

/**
 * NVIDIA's `dynamo-platform` chart 1.6.0: the Dynamo operator, its CRDs (applied by the
 * operator's crd-apply init container, `dynamo-operator.upgradeCRD`) and admission webhooks
 * (certificates from its built-in cert-controller, no cert-manager). The chart is served from
 * NGC's Helm repository (`helm fetch https://helm.ngc.nvidia.com/nvidia/ai-dynamo/charts/
 * dynamo-platform-${RELEASE_VERSION}.tgz` in Dynamo's install guide); version 1.6.0 from
 * deploy/helm/charts/platform/README.md @0398ccf2 ("Version: 1.6.0", dynamo-operator 1.6.0).
 */
export const DYNAMO_PLATFORM_CHART: PinnedChart = {
    chart: "dynamo-platform",
    version: "1.6.0",
    repo: "https://helm.ngc.nvidia.com/nvidia/ai-dynamo",
};

/** @default 900 s: the operator image pull, the CRD apply and the webhook certificates. */
export const DYNAMO_PLATFORM_TIMEOUT_SECONDS = 900;

/** Where the operator goes and the infrastructure it points components at. */
export interface DynamoPlatformArgs {
    /** Namespace of the release (the operator itself watches every namespace). */
    readonly namespace: string;
    /** NATS client URL (`nats://host:4222`) the operator injects into every component as NATS_SERVER. */
    readonly natsAddress: string;
    /** etcd client URL (`http://host:2379`) injected as ETCD_ENDPOINTS; only with etcd discovery. @default none */
    readonly etcdAddress?: string;
}

/** Required node affinity to the system pool: the chart templates no nodeSelector for the operator. */
function onSystemPool(): k8s.types.input.core.v1.Affinity {
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_POOL_LABEL, operator: "In", values: [SYSTEM_POOL] }] }],
            },
        },
    };
}

/**
 * The Dynamo platform: the operator that turns a DynamoGraphDeployment into pods, Services and
 * discovery wiring. Everything optional of the chart stays off: its bundled etcd and NATS (the
 * program runs its own, passed in by address), Grove, KAI Scheduler and Snapshot (single-node
 * workers need no gang scheduling), and the PodMonitors (monitoring is set up elsewhere).
 *
 * Values keys, checked in the chart's README @0398ccf2 (chart 1.6.0): `global.{etcd,nats,grove,
 * kai-scheduler,snapshot}.install`, `global.{grove,kai-scheduler}.enabled`,
 * `dynamo-operator.natsAddr` ("Format: nats://hostname:4222"), `dynamo-operator.etcdAddr`,
 * `dynamo-operator.controllerManager.affinity`; and in the operator's values.yaml @05da1f97 and the
 * chart test tests/podmonitor_nixl_ports_test.yaml @ee06153e:
 * `dynamo-operator.dynamo.metrics.podMonitors.enabled` ("false=never create").
 */
export class DynamoPlatform extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: DynamoPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:DynamoPlatform", name, {}, opts);
        const operator: Record<string, unknown> = {
            natsAddr: args.natsAddress,
            controllerManager: { affinity: onSystemPool() },
            dynamo: { metrics: { podMonitors: { enabled: false } } },
        };
        if (args.etcdAddress !== undefined) {
            operator.etcdAddr = args.etcdAddress;
        }
        this.release = pinnedRelease(
            name,
            DYNAMO_PLATFORM_CHART,
            {
                releaseName: name,
                namespace: args.namespace,
                timeoutSeconds: DYNAMO_PLATFORM_TIMEOUT_SECONDS,
                values: {
                    global: {
                        etcd: { install: false },
                        nats: { install: false },
                        grove: { install: false, enabled: false },
                        "kai-scheduler": { install: false, enabled: false },
                        snapshot: { install: false },
                    },
                    "dynamo-operator": operator,
                },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
