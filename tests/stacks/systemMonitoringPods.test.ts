/**
 * The system-node capacity check counts the monitoring stack (kube-prometheus-stack 88.5.3:
 * Prometheus at the footprint's requests, Alertmanager, Grafana, the operator, kube-state-metrics,
 * node-exporter on every node) and the Dynamo operator. Its Helm releases are not manifests of the
 * plan, so the table is checked against the values the plan hands the charts; what the values
 * leave to the chart is the chart's default, cited in stacks/catalog/systemPods.ts.
 */
import * as assert from "assert";
import { NODE_EXPORTER_REQUESTS } from "../../stacks/catalog/daemonSets";
import { SYSTEM_NODE_DAEMONSETS, SYSTEM_PODS } from "../../stacks/catalog/systemPods";
import { ConfigError } from "../../stacks/errors";
import { parseCpuMillis, parseMemoryMiB } from "../../stacks/quantity";
import { ConfigValues } from "../../stacks/schema";
import { SystemLoadKeys, validateSystemCapacity } from "../../stacks/validate/system";
import { planStack, StackPlan } from "../helpers/plan";

type Requests = { cpu?: string; memory?: string };
const RELEASE = "kubernetes:helm.sh/v3:Release";

function valuesOf(p: StackPlan, name: string): Record<string, unknown> {
    return p.resource(RELEASE, name).inputs.values as Record<string, unknown>;
}

function parsed(r: Requests | undefined): { cpuMillis: number; memoryMiB: number } {
    return { cpuMillis: parseCpuMillis(r?.cpu ?? "0") ?? NaN, memoryMiB: parseMemoryMiB(r?.memory ?? "0") ?? NaN };
}

function row(name: string, footprint?: string): { cpuMillis: number; memoryMiB: number } {
    const found = SYSTEM_PODS.filter((r) => r.name === name && (footprint === undefined || r.footprint === footprint));
    assert.strictEqual(found.length, 1, `one row ${name} ${footprint ?? ""}`);
    return { cpuMillis: found[0].cpuMillis, memoryMiB: found[0].memoryMiB };
}

interface KpsValues {
    prometheus: { prometheusSpec: { resources: { requests: Requests } } };
    alertmanager: { alertmanagerSpec: { resources: { requests: Requests } } };
    grafana: { resources: { requests: Requests } };
    prometheusOperator: Record<string, unknown>;
    "kube-state-metrics": Record<string, unknown>;
    "prometheus-node-exporter": { resources: { requests: Requests } };
}

describe("system pods: the monitoring stack and the Dynamo operator are counted as deployed", () => {
    for (const [stack, footprint] of [
        ["llama31-pd", "standard"],
        ["dev", "small"],
    ] as const) {
        it(`${stack} (${footprint}): Prometheus, Alertmanager, Grafana and node-exporter request what the table counts`, async () => {
            const v = valuesOf(await planStack(stack), "kube-prometheus-stack") as unknown as KpsValues;
            assert.deepStrictEqual(parsed(v.prometheus.prometheusSpec.resources.requests), row("prometheus", footprint));
            assert.deepStrictEqual(parsed(v.alertmanager.alertmanagerSpec.resources.requests), row("alertmanager"));
            assert.deepStrictEqual(parsed(v.grafana.resources.requests), row("grafana"));
            assert.deepStrictEqual(parsed(v["prometheus-node-exporter"].resources.requests), NODE_EXPORTER_REQUESTS);
            const exporter = SYSTEM_NODE_DAEMONSETS.find((d) => d.name === "monitoring-prometheus-node-exporter");
            assert.deepStrictEqual(exporter && { cpuMillis: exporter.cpuMillis, memoryMiB: exporter.memoryMiB }, NODE_EXPORTER_REQUESTS);
            // Left to the chart, whose values.yaml requests nothing for either (counted as 0).
            for (const key of ["prometheusOperator", "kube-state-metrics"] as const) {
                assert.ok(!JSON.stringify(v[key]).includes('"resources"'), `${key} values set resources: add them to the table`);
            }
            assert.deepStrictEqual(row("prometheus-operator"), { cpuMillis: 0, memoryMiB: 0 });
            assert.deepStrictEqual(row("kube-state-metrics"), { cpuMillis: 0, memoryMiB: 0 });
        });
    }

    it("the Dynamo operator keeps its chart's requests (512m/1Gi manager + 5m/64Mi kube-rbac-proxy), which the table counts", async () => {
        const v = valuesOf(await planStack("llama31-pd", ["graph=dynamo"]), "dynamo-platform") as {
            "dynamo-operator": { controllerManager: Record<string, unknown> };
        };
        assert.ok(
            !JSON.stringify(v["dynamo-operator"].controllerManager).includes('"resources"'),
            "our values override the operator's requests",
        );
        assert.deepStrictEqual(row("dynamo-operator"), { cpuMillis: 517, memoryMiB: 1088 });
    });
});

describe("system pods: the check at its boundary (m7i.xlarge: about 3705m CPU per node after DaemonSets)", () => {
    const dev: Omit<Pick<ConfigValues, SystemLoadKeys | "systemInstanceType">, "frontendReplicas" | "systemNodeCount"> = {
        graph: "vllm-router",
        dynamoInfra: false,
        dynamoDiscovery: "kubernetes",
        monitoring: true,
        monitoringFootprint: "small",
        systemInstanceType: "m7i.xlarge",
    };
    const fails = (v: Pick<ConfigValues, SystemLoadKeys | "systemInstanceType">) => {
        try {
            validateSystemCapacity(v);
            return undefined;
        } catch (err) {
            assert.ok(err instanceof ConfigError);
            return err;
        }
    };

    it("one node, 2 routers: the small footprint just fits (3420m of 3705m), the standard one just does not (3720m)", () => {
        const oneNode = { ...dev, frontendReplicas: 2, systemNodeCount: 1 };
        assert.strictEqual(fails(oneNode), undefined);
        const err = fails({ ...oneNode, monitoringFootprint: "standard" });
        assert.strictEqual(err?.key, "systemInstanceType");
        assert.match(err?.message ?? "", /1 prometheus, 1 alertmanager, 1 grafana, .*3720m CPU .* about 3705m/);
        assert.strictEqual(fails({ ...oneNode, monitoringFootprint: "standard", monitoring: false }), undefined, "without monitoring");
    });

    it("three nodes, 8 routers: fit without monitoring, not beside the small monitoring stack", () => {
        const three = { ...dev, frontendReplicas: 8, systemNodeCount: 3 };
        assert.strictEqual(fails({ ...three, monitoring: false }), undefined);
        assert.match(fails(three)?.message ?? "", /so a router pod \(1000m, 1024Mi\) may find every node full/);
        assert.strictEqual(fails({ ...three, frontendReplicas: 7 }), undefined, "7 routers fit");
    });

    it("three nodes, 7 routers, standard footprint: fit without the Dynamo infrastructure, not with its operator (dynamoInfra)", () => {
        const three = { ...dev, frontendReplicas: 7, systemNodeCount: 3, monitoringFootprint: "standard" as const };
        assert.strictEqual(fails(three), undefined);
        assert.match(fails({ ...three, dynamoInfra: true })?.message ?? "", /1 dynamo-operator, .*may find every node full/);
    });

    it("etcd counts only with etcd discovery", () => {
        const dynamo = { ...dev, graph: "dynamo" as const, frontendReplicas: 1, systemNodeCount: 3 };
        assert.strictEqual(fails(dynamo), undefined);
        assert.match(fails({ ...dynamo, dynamoDiscovery: "etcd" })?.message ?? "", /etcd member/);
    });
});
