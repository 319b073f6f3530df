/**
 * components/platform/monitoring: what Prometheus scrapes and shows. Every ServiceMonitor and
 * PodMonitor selects a Service or pod template the plan creates, on a port name that exists there;
 * the dashboards are valid JSON whose queries name only catalogued metric families (with their
 * sources); the alert rules name only catalogued metrics and cover the failure modes of P/D.
 */
import * as assert from "assert";
import { familyOf, METRIC_FAMILIES, METRIC_SOURCES } from "../../components/platform/monitoring/metrics";
import { crdProblems } from "../helpers/crdSchema";
import { asK8s, K8sObject, podTemplate, selects } from "../helpers/k8sSchema";
import { planStack, StackPlan } from "../helpers/plan";
import { metricNames } from "../helpers/promql";
import { withDynamoComponents } from "../helpers/dynamo";

const MONITOR_KINDS = ["ServiceMonitor", "PodMonitor"];

interface Endpoint {
    port: string;
    path: string;
    relabelings: { targetLabel: string; replacement?: string }[];
}
interface MonitorSpec {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints?: Endpoint[];
    podMetricsEndpoints?: Endpoint[];
}
interface Rule {
    alert: string;
    expr: string;
    for: string;
}
interface DashboardPanel {
    type: string;
    title: string;
    targets?: { expr: string }[];
}

function monitors(objects: K8sObject[]): K8sObject[] {
    return objects.filter((o) => o.apiVersion === "monitoring.coreos.com/v1" && MONITOR_KINDS.includes(o.kind));
}

/** Why a monitor selects nothing with its port, or undefined when it selects something. */
function unmatched(monitor: K8sObject, objects: K8sObject[]): string | undefined {
    const spec = monitor.spec as unknown as MonitorSpec;
    const namespaces = spec.namespaceSelector.matchNames;
    const endpoints = spec.endpoints ?? spec.podMetricsEndpoints ?? [];
    if (endpoints.length === 0) {
        return "no endpoints";
    }
    const inScope = objects.filter((o) => namespaces.includes(o.metadata.namespace ?? ""));
    for (const endpoint of endpoints) {
        const found =
            monitor.kind === "ServiceMonitor"
                ? inScope.some(
                      (o) =>
                          o.kind === "Service" &&
                          selects(spec.selector.matchLabels, o.metadata.labels) &&
                          ((o.spec?.ports as { name?: string }[] | undefined) ?? []).some((p) => p.name === endpoint.port),
                  )
                : inScope.some((o) => {
                      const template = podTemplate(o);
                      return (
                          template !== undefined &&
                          selects(spec.selector.matchLabels, template.metadata?.labels) &&
                          template.spec.containers.some((c) => (c.ports ?? []).some((p) => p.name === endpoint.port))
                      );
                  });
        if (!found) {
            return `no ${monitor.kind === "ServiceMonitor" ? "Service" : "pod template"} in ${namespaces.join(",")} with labels ${JSON.stringify(spec.selector.matchLabels)} and port ${endpoint.port}`;
        }
    }
    return undefined;
}

function rulesOf(p: StackPlan): Rule[] {
    return asK8s(p.manifests())
        .filter((o) => o.kind === "PrometheusRule")
        .flatMap((o) => (o.spec as unknown as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
}

function dashboardsOf(p: StackPlan): Record<string, { title: string; uid: string; panels: DashboardPanel[] }> {
    const maps = asK8s(p.manifests()).filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1");
    return Object.fromEntries(
        maps.flatMap((m) => Object.entries(m.data as Record<string, string>).map(([file, json]) => [file, JSON.parse(json)])),
    );
}

function exprs(panels: DashboardPanel[]): string[] {
    return panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
}

/** Metric names of the expressions that are not in the catalogue. */
function uncatalogued(expressions: string[]): string[] {
    return expressions.flatMap((e) => metricNames(e).filter((name) => !familyOf(name)));
}

describe("monitoring: the PromQL metric-name reader (test helper)", () => {
    it("finds metric names and skips functions, label names, strings and durations", () => {
        assert.deepStrictEqual(
            metricNames(
                'histogram_quantile(0.99, sum by (le, role) (rate(vllm:time_to_first_token_seconds_bucket{role="decode"}[5m]))) > 0.5 or up == 0',
            ),
            ["vllm:time_to_first_token_seconds_bucket", "up"],
        );
        assert.deepStrictEqual(
            metricNames("sum(a * on (namespace, pod) group_left () max by (pod) (b)) or vector(0) unless c offset 1e9"),
            ["a", "b", "c"],
        );
    });

    it("the catalogue knows histogram series by suffix and rejects a misspelt or removed name", () => {
        assert.strictEqual(familyOf("vllm:nixl_xfer_time_seconds_count")?.type, "histogram");
        assert.strictEqual(familyOf("vllm:nixl_xfer_time_seconds"), undefined, "a histogram is read by _bucket/_sum/_count");
        assert.deepStrictEqual(uncatalogued(["rate(vllm:time_per_output_token_seconds_bucket[5m])", "vllm:gpu_cache_usage_perc"]), [
            "vllm:time_per_output_token_seconds_bucket",
            "vllm:gpu_cache_usage_perc",
        ]);
    });

    it("every catalogued family names its exporter's source", () => {
        for (const family of METRIC_FAMILIES) {
            assert.ok(METRIC_SOURCES[family.exporter].length > 20, family.name);
        }
        assert.strictEqual(new Set(METRIC_FAMILIES.map((f) => f.name)).size, METRIC_FAMILIES.length);
    });
});

/**
 * The NATS servers the chart renders, as a workload: the labels our NetworkPolicy selects them by
 * and, with `promExporter.enabled`, the exporter sidecar's port (chart nats-2.14.2
 * files/stateful-set/prom-exporter-container.yaml: `name: prom-metrics`, `promExporter.port`).
 */
function natsChartPods(p: StackPlan): K8sObject[] {
    const release = p.plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "nats");
    const values = release?.inputs.values as { promExporter?: { enabled?: boolean } } | undefined;
    const policy = p.manifests().find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "nats");
    if (!release || !policy || !values?.promExporter?.enabled) {
        return [];
    }
    const labels = (policy.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels;
    return asK8s([
        {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "nats", namespace: "serving", labels },
            spec: {
                template: {
                    metadata: { labels },
                    spec: { containers: [{ name: "prom-exporter", ports: [{ name: "prom-metrics", containerPort: 7777 }] }] },
                },
            },
        } as never,
    ]);
}

const VARIANTS = [
    { stack: "llama31-pd", sets: [] as string[], monitors: ["graph-router", "graph-prefill", "graph-decode"] },
    {
        stack: "llama31-pd",
        sets: ["graph=dynamo", "dynamoDiscovery=etcd"],
        monitors: ["graph-frontend", "graph-prefill", "graph-decode", "platform-etcd", "platform-nats"],
    },
    {
        stack: "dev",
        sets: ["dynamoInfra=true", "dynamoDiscovery=etcd"],
        monitors: ["graph-router", "graph-prefill", "graph-decode", "platform-etcd", "platform-nats"],
    },
];

for (const variant of VARIANTS) {
    describe(`monitoring scrape targets: ${[variant.stack, ...variant.sets].join(" ")}`, () => {
        let p: StackPlan;
        let objects: K8sObject[];
        before(async () => {
            p = await planStack(variant.stack, variant.sets);
            objects = [...asK8s(withDynamoComponents(p.manifests())), ...natsChartPods(p)];
        });

        it("a monitor for every metrics endpoint of the graph, etcd and NATS", () => {
            assert.deepStrictEqual(
                monitors(objects)
                    .map((m) => m.metadata.name)
                    .sort(),
                [...variant.monitors].sort(),
            );
        });

        it("every ServiceMonitor/PodMonitor selects an existing Service or pod template with its port name", () => {
            const problems = monitors(objects)
                .map((m) => [m.metadata.name, unmatched(m, objects)] as const)
                .filter(([, problem]) => problem !== undefined);
            assert.deepStrictEqual(problems, []);
        });

        it("every monitor labels its series with a role, and prefill and decode are both scraped", () => {
            const roles = monitors(objects).map((m) => {
                const spec = m.spec as unknown as MonitorSpec;
                return (spec.endpoints ?? spec.podMetricsEndpoints ?? [])[0].relabelings.find((r) => r.targetLabel === "role")?.replacement;
            });
            assert.ok(roles.every((r) => r !== undefined && r !== ""));
            assert.ok(roles.includes("prefill") && roles.includes("decode"));
        });

        if (variant.monitors.includes("platform-etcd")) {
            it("etcd's metrics port is open to the monitoring namespace past etcd's NetworkPolicy", () => {
                const policy = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "etcd-metrics-from-monitoring");
                assert.ok(policy, "NetworkPolicy etcd-metrics-from-monitoring");
                const spec = policy.spec as unknown as {
                    podSelector: { matchLabels: Record<string, string> };
                    ingress: { from: { namespaceSelector: { matchLabels: Record<string, string> } }[]; ports: { port: string }[] }[];
                };
                const etcd = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "etcd");
                assert.ok(etcd && selects(spec.podSelector.matchLabels, podTemplate(etcd)?.metadata?.labels));
                assert.deepStrictEqual(spec.ingress[0].from[0].namespaceSelector.matchLabels, {
                    "kubernetes.io/metadata.name": "monitoring",
                });
                const ports = podTemplate(etcd)!.spec.containers[0].ports ?? [];
                assert.ok(ports.some((port) => port.name === spec.ingress[0].ports[0].port));
            });
        }
    });
}

describe("monitoring: a monitor whose labels or port name match nothing is caught", () => {
    it("the match check fails for a wrong port name and for a wrong label", async () => {
        const p = await planStack("llama31-pd");
        const objects = asK8s(withDynamoComponents(p.manifests()));
        const monitor = monitors(objects).find((m) => m.metadata.name === "graph-prefill")!;
        const copy = JSON.parse(JSON.stringify(monitor)) as K8sObject;
        (copy.spec as unknown as MonitorSpec).podMetricsEndpoints![0].port = "metrics";
        assert.match(unmatched(copy, objects) ?? "", /port metrics/);
        const relabelled = JSON.parse(JSON.stringify(monitor)) as K8sObject;
        (relabelled.spec as unknown as MonitorSpec).selector.matchLabels["pd-serving/graph"] = "dynamo";
        assert.ok(unmatched(relabelled, objects));
        const unknownField = JSON.parse(JSON.stringify(monitor)) as K8sObject & { spec: Record<string, unknown> };
        unknownField.spec.podMetricsEndpoint = [];
        assert.ok((crdProblems(unknownField) ?? []).length > 0, "the CRD check rejects an unknown field");
    });
});

describe("monitoring: dashboards and alert rules (llama31-pd, ttftP99AlertMs=750)", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["ttftP99AlertMs=750"]);
    });

    it("two dashboards, valid JSON with distinct uids, every panel with a query", () => {
        const dashboards = dashboardsOf(p);
        assert.deepStrictEqual(
            Object.values(dashboards)
                .map((d) => d.title)
                .sort(),
            ["GPUs and nodes", "P/D serving"],
        );
        assert.strictEqual(new Set(Object.values(dashboards).map((d) => d.uid)).size, 2);
        for (const d of Object.values(dashboards)) {
            const panels = d.panels.filter((x) => x.type !== "row");
            assert.ok(panels.length >= 8, `${d.title}: ${panels.length} panels`);
            panels.forEach((panel) => assert.ok((panel.targets ?? []).length > 0, `${d.title} / ${panel.title}`));
        }
    });

    it("every dashboard query names only catalogued metric families", () => {
        const all = Object.values(dashboardsOf(p)).flatMap((d) => exprs(d.panels));
        assert.ok(all.length > 30);
        assert.deepStrictEqual(uncatalogued(all), []);
    });

    it("P/D serving shows TTFT, ITL, TPOT, queues, KV cache, prefix cache and NIXL; GPUs shows DCGM's core counters", () => {
        const dashboards = Object.values(dashboardsOf(p));
        const used = (title: string) =>
            new Set(exprs(dashboards.find((d) => d.title === title)!.panels).flatMap((e) => metricNames(e).map((n) => familyOf(n)!.name)));
        const serving = used("P/D serving");
        for (const name of [
            "vllm:request_success_total",
            "vllm:generation_tokens_total",
            "vllm:time_to_first_token_seconds",
            "vllm:inter_token_latency_seconds",
            "vllm:request_time_per_output_token_seconds",
            "vllm:num_requests_running",
            "vllm:num_requests_waiting",
            "vllm:kv_cache_usage_perc",
            "vllm:prefix_cache_hits_total",
            "vllm:prefix_cache_queries_total",
            "vllm:nixl_xfer_time_seconds",
            "vllm:nixl_bytes_transferred",
            "vllm:nixl_num_failed_transfers_total",
        ]) {
            assert.ok(serving.has(name), name);
        }
        const gpus = used("GPUs and nodes");
        for (const name of [
            "DCGM_FI_DEV_GPU_UTIL",
            "DCGM_FI_DEV_FB_USED",
            "DCGM_FI_DEV_POWER_USAGE",
            "DCGM_FI_DEV_GPU_TEMP",
            "DCGM_FI_DEV_XID_ERRORS",
        ]) {
            assert.ok(gpus.has(name), name);
        }
    });

    it("every alert expression names only catalogued metrics", () => {
        assert.deepStrictEqual(uncatalogued(rulesOf(p).map((r) => r.expr)), []);
    });

    it("alerts on NIXL failures, no ready prefill/decode, TTFT p99 over the configured threshold, full KV cache, XID, missing GPUs, absent metrics", () => {
        const rules = Object.fromEntries(rulesOf(p).map((r) => [r.alert, r]));
        assert.match(rules.NixlTransferFailures.expr, /vllm:nixl_num_failed_transfers_total.*> 0$/);
        assert.match(rules.NoReadyPrefill.expr, /kube_pod_status_ready.*up\{role="prefill"\}/);
        assert.match(rules.NoReadyDecode.expr, /up\{role="decode"\}/);
        assert.match(rules.TtftP99High.expr, /histogram_quantile\(0\.99, .*vllm:time_to_first_token_seconds_bucket.*\) > 0\.75 /);
        assert.match(rules.KvCacheNearlyFull.expr, /vllm:kv_cache_usage_perc\) > 0\.9/);
        assert.match(rules.GpuXidError.expr, /DCGM_FI_DEV_XID_ERRORS/);
        assert.match(rules.GpuMissing.expr, /count by \(node\) \(DCGM_FI_DEV_GPU_UTIL\) < 8$/, "p5.48xlarge has 8 GPUs");
        assert.match(rules.GpuNodeMissing.expr, /< 2$/, "two GPU nodes");
        assert.match(rules.NixlMetricsAbsent.expr, /^absent\(vllm:nixl_xfer_time_seconds_count\)$/);
        assert.match(rules.ServingMetricsAbsentDecode.expr, /^absent\(/);
        for (const rule of Object.values(rules)) {
            assert.match(rule.for, /^[0-9]+m$/, rule.alert);
        }
    });
});
