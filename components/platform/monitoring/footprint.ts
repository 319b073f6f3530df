/**
 * Sizes of the monitoring stack per `monitoringFootprint`: Prometheus's volume and a retention
 * that fits it, and what Prometheus requests on the system nodes (stacks/catalog/systemPods.ts,
 * which the system-node capacity check counts).
 */
import { PROMETHEUS_REQUESTS, PodRequests } from "../../../stacks/catalog/systemPods";
import { Cpu, Memory } from "../../k8s/units";

/** CPU and memory requests as Kubernetes quantities. */
export function requestsOf(r: PodRequests): { cpu: string; memory: string } {
    return { cpu: Cpu.quantity(Cpu.millis(r.cpuMillis)), memory: Memory.quantity(Memory.mebibytes(r.memoryMiB)) };
}

/** Values of the monitoringFootprint config key. */
export type MonitoringFootprint = "standard" | "small";

/** Sizes of one footprint. */
export interface FootprintSizes {
    /** gp3 volume of Prometheus's TSDB. */
    readonly prometheusVolume: string;
    /** Time retention (Prometheus --storage.tsdb.retention.time). */
    readonly retention: string;
    /**
     * Size retention (--storage.tsdb.retention.size), below the volume: the WAL and the head block
     * are not counted in it, so about 15% of the volume stays free for them.
     */
    readonly retentionSize: string;
    readonly prometheusRequests: { cpu: string; memory: string };
    readonly prometheusMemoryLimit: string;
    /** gp3 volume of Grafana's database (users, annotations; dashboards come from ConfigMaps). */
    readonly grafanaVolume: string;
}

/**
 * standard: 16 vLLM pods, 16 GPUs and two big nodes are some 100-200k series, about 1 GB a day at
 * the chart's 30 s scrape interval: 15 days fit 42 GiB of a 50 GiB volume. small (dev): 3 days.
 */
export const FOOTPRINTS: Record<MonitoringFootprint, FootprintSizes> = {
    standard: {
        prometheusVolume: "50Gi",
        retention: "15d",
        retentionSize: "42GiB",
        prometheusRequests: requestsOf(PROMETHEUS_REQUESTS.standard),
        prometheusMemoryLimit: "8Gi",
        grafanaVolume: "10Gi",
    },
    small: {
        prometheusVolume: "10Gi",
        retention: "3d",
        retentionSize: "8GiB",
        prometheusRequests: requestsOf(PROMETHEUS_REQUESTS.small),
        prometheusMemoryLimit: "3Gi",
        grafanaVolume: "2Gi",
    },
};
