/**
 * Alert rules (PrometheusRule, monitoring.coreos.com/v1): the GPU rules every cluster gets and the
 * serving rules built from a graph's scrape targets. Metric names: ./metrics.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ScrapeTarget } from "../../serving/graph";
import { MONITORING_LABELS } from "./monitors";

/** One alerting rule of a PrometheusRule group. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    /** How long the condition holds before the alert fires (Prometheus duration). */
    readonly for: string;
    readonly labels: { severity: "critical" | "warning" };
    readonly annotations: { summary: string; description: string };
}

/** A named group of rules (PrometheusRule spec.groups[]). */
export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

/** KV-cache usage (0-1) above which a pod counts as nearly full. */
export const KV_CACHE_NEARLY_FULL = 0.95;

function rule(
    alert: string,
    expr: string,
    forDuration: string,
    severity: "critical" | "warning",
    summary: string,
    description: string,
): AlertRule {
    return { alert, expr, for: forDuration, labels: { severity }, annotations: { summary, description } };
}

function capitalized(word: string): string {
    return word.charAt(0).toUpperCase() + word.slice(1);
}

/** What the GPU rules compare DCGM's series against. */
export interface GpuRuleArgs {
    /** GPUs each GPU node has (the instance type's). */
    readonly gpusPerNode: number;
    /** GPU nodes of the node group; 0 leaves out the "node reports no GPUs" rule. */
    readonly gpuNodes: number;
}

/** XID errors, a GPU missing from a node, a GPU node missing from DCGM. */
export function gpuRules(args: GpuRuleArgs): RuleGroup {
    const rules = [
        rule(
            "GpuXidError",
            "max by (node, gpu) (max_over_time(DCGM_FI_DEV_XID_ERRORS[5m])) > 0",
            "0m",
            "critical",
            "GPU {{ $labels.gpu }} on {{ $labels.node }} reported XID {{ $value }}",
            "The NVIDIA driver reported an XID error (DCGM_FI_DEV_XID_ERRORS); see the XID catalogue before trusting this GPU.",
        ),
        rule(
            "GpuMissing",
            `count by (node) (DCGM_FI_DEV_GPU_UTIL) < ${args.gpusPerNode}`,
            "5m",
            "critical",
            `{{ $labels.node }} reports {{ $value }} of its ${args.gpusPerNode} GPUs`,
            "DCGM sees fewer GPUs than the instance type has: a GPU fell off the bus or the driver lost it.",
        ),
    ];
    if (args.gpuNodes > 0) {
        rules.push(
            rule(
                "GpuNodeMissing",
                `(count(count by (node) (DCGM_FI_DEV_GPU_UTIL)) or vector(0)) < ${args.gpuNodes}`,
                "15m",
                "critical",
                `GPU metrics come from {{ $value }} of ${args.gpuNodes} GPU nodes`,
                "A GPU node is gone, or its DCGM exporter is not running or not scraped.",
            ),
        );
    }
    return { name: "pd-serving-gpus", rules };
}

/** What the serving rules are built from. */
export interface ServingRuleArgs {
    /** The graph's scrape targets: one readiness rule per role, one staleness rule per worker role. */
    readonly targets: readonly ScrapeTarget[];
    /** TTFT p99 threshold in seconds. */
    readonly ttftP99Seconds: number;
}

/** Roles whose pods run vLLM engines. */
const WORKER_ROLES = ["prefill", "decode"];

/** KV transfer, readiness, TTFT, KV cache and stale-metrics rules of a serving graph. */
export function servingRules(args: ServingRuleArgs): RuleGroup {
    const roles = [...new Set(args.targets.map((t) => t.role))];
    const workerRoles = roles.filter((r) => WORKER_ROLES.includes(r));
    const t = args.ttftP99Seconds;
    return {
        name: "pd-serving",
        rules: [
            rule(
                "NixlTransferFailures",
                "sum by (namespace, pod) (increase(vllm:nixl_num_failed_transfers_total[10m])) > 0",
                "0m",
                "critical",
                "{{ $labels.pod }}: {{ $value }} failed NIXL KV transfers in 10 minutes",
                "Decode could not read KV blocks from prefill; those requests fail or recompute their prompt.",
            ),
            // Ready per kube-state-metrics and scraped with this role: pods of any graph, by the role label.
            ...roles.map((role) =>
                rule(
                    `NoReady${capitalized(role)}`,
                    `(sum(max by (namespace, pod) (kube_pod_status_ready{condition="true"}) * on (namespace, pod) group_left () max by (namespace, pod) (up{role="${role}"})) or vector(0)) < 1`,
                    "5m",
                    "critical",
                    `No ready ${role} pod`,
                    `No ${role} pod is both Ready and answering its metrics endpoint: the P/D graph cannot serve.`,
                ),
            ),
            rule(
                "TtftP99High",
                `histogram_quantile(0.99, sum by (le, role) (rate(vllm:time_to_first_token_seconds_bucket[5m]))) > ${t} or histogram_quantile(0.99, sum by (le, role) (rate(dynamo_frontend_time_to_first_token_seconds_bucket[5m]))) > ${t}`,
                "10m",
                "warning",
                `TTFT p99 of {{ $labels.role }} is {{ $value | humanizeDuration }} (threshold ${t}s)`,
                "Time to first token is above ttftP99AlertMs: prefill is saturated, requests queue, or KV transfer is slow.",
            ),
            rule(
                "KvCacheNearlyFull",
                `max by (namespace, pod, role) (vllm:kv_cache_usage_perc) > ${KV_CACHE_NEARLY_FULL}`,
                "10m",
                "warning",
                "{{ $labels.pod }} KV cache {{ $value | humanizePercentage }} full",
                "Above this, new requests wait and running ones are preempted; add decode replicas or cut max-model-len.",
            ),
            ...workerRoles.map((role) =>
                rule(
                    `ServingMetricsAbsent${capitalized(role)}`,
                    `absent(vllm:num_requests_running{role="${role}"})`,
                    "15m",
                    "warning",
                    `No vLLM metrics from any ${role} pod for 15 minutes`,
                    "The engines' metrics are gone: pods down, or the monitor no longer matches them.",
                ),
            ),
            rule(
                "NixlMetricsAbsent",
                "absent(vllm:nixl_xfer_time_seconds_count)",
                "30m",
                "warning",
                "No NIXL KV-transfer metrics for 30 minutes",
                "No engine exports vllm:nixl_xfer_time_seconds: KV never moved (the smoke test's requests did not reach decode over NIXL) or the workers are not scraped.",
            ),
            rule(
                "DecodeWithoutKvTransfers",
                `sum(rate(vllm:generation_tokens_total{role="decode"}[10m])) > 0 unless sum(rate(vllm:nixl_xfer_time_seconds_count[10m])) > 0`,
                "15m",
                "warning",
                "Decode generates tokens but no KV arrives over NIXL",
                "Decode is computing prompts itself: the KV handover from prefill is not happening.",
            ),
        ],
    };
}

/** The PrometheusRule object of some rule groups. */
export function prometheusRule(
    name: string,
    args: { namespace: string; groups: readonly RuleGroup[] },
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name, namespace: args.namespace, labels: { ...MONITORING_LABELS } },
            spec: { groups: args.groups },
        },
        opts,
    );
}
