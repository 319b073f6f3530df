/**
 * Capacity and cost arithmetic, called directly and checked against figures worked out by hand
 * from the published rules (EKS AL2023 kubelet reservations; on-demand prices of the catalogue).
 */
import * as assert from "assert";
import { GPU_NODE_DAEMONSETS } from "../../stacks/catalog/daemonSets";
import {
    EKS_CONTROL_PLANE_USD_PER_HOUR,
    GPU_INSTANCE_TYPES,
    NAT_GATEWAY_USD_PER_HOUR,
    SYSTEM_INSTANCE_TYPES,
} from "../../stacks/catalog/instances";
import { hugepagesPerPodMi, sharedMemorySize } from "../../stacks/resolve";
import { allocatableCpuMillis, allocatableMemoryMiB, kubeReservedCpuMillis, NODE_HUGEPAGES_2MI } from "../../stacks/sizing/capacity";
import { costEstimate, hourlyCost, quotaOf, vcpuQuotas } from "../../stacks/sizing/cost";

const P5 = GPU_INSTANCE_TYPES["p5.48xlarge"];

describe("unit: capacity arithmetic", () => {
    it("kubelet CPU reservation: 6% of core 1, 1% of core 2, 0.5% of cores 3-4, 0.25% of the rest", () => {
        assert.strictEqual(kubeReservedCpuMillis(1), 60);
        assert.strictEqual(kubeReservedCpuMillis(2), 70);
        assert.strictEqual(kubeReservedCpuMillis(4), 80);
        assert.strictEqual(kubeReservedCpuMillis(8), 90);
        assert.strictEqual(kubeReservedCpuMillis(192), 80 + 188 * 2.5);
    });

    it("allocatable CPU of a p5 subtracts the reservation and every GPU-node DaemonSet (EFA plugin only with EFA)", () => {
        const daemons = (efa: boolean) =>
            GPU_NODE_DAEMONSETS.filter((d) => (efa || !d.efaOnly) && !d.monitoringOnly).reduce((s, d) => s + d.cpuMillis, 0);
        assert.strictEqual(allocatableCpuMillis(P5, { efa: true, monitoring: false }), 192_000 - 550 - daemons(true));
        assert.strictEqual(allocatableCpuMillis(P5, { efa: false, monitoring: false }), 192_000 - 550 - daemons(false));
        assert.ok(daemons(true) > daemons(false), "the EFA plugin is counted with EFA");
        const monitoringDaemons = GPU_NODE_DAEMONSETS.filter((d) => d.monitoringOnly).reduce((s, d) => s + d.cpuMillis, 0);
        assert.ok(monitoringDaemons > 0, "the DCGM exporter and node-exporter are catalogued");
        assert.strictEqual(
            allocatableCpuMillis(P5, { efa: true, monitoring: true }),
            allocatableCpuMillis(P5, { efa: true, monitoring: false }) - monitoringDaemons,
        );
    });

    it("allocatable memory subtracts 5% firmware share, kubelet (255 + 11/pod), eviction, DaemonSets and EFA huge pages", () => {
        const daemons = (efa: boolean) =>
            GPU_NODE_DAEMONSETS.filter((d) => (efa || !d.efaOnly) && !d.monitoringOnly).reduce((s, d) => s + d.memoryMiB, 0);
        const kubelet = 255 + 11 * 110;
        assert.strictEqual(
            allocatableMemoryMiB(P5, { efa: true, monitoring: false }),
            Math.floor(2048 * 1024 * 0.95 - kubelet - 100 - daemons(true) - NODE_HUGEPAGES_2MI * 2),
        );
        assert.strictEqual(
            allocatableMemoryMiB(P5, { efa: false, monitoring: false }),
            Math.floor(2048 * 1024 * 0.95 - kubelet - 100 - daemons(false)),
        );
    });

    it("huge pages shared out in 64 MiB steps, at most 5Gi a pod; /dev/shm a quarter of memory, at most 16Gi", () => {
        assert.strictEqual(hugepagesPerPodMi(8), 1280);
        assert.strictEqual(hugepagesPerPodMi(1), 5120);
        assert.strictEqual(hugepagesPerPodMi(3) % 64, 0);
        assert.strictEqual(sharedMemorySize("12Gi"), "3Gi");
        assert.strictEqual(sharedMemorySize("200Gi"), "16Gi");
        assert.strictEqual(sharedMemorySize("10Gi"), "2560Mi");
    });
});

describe("unit: cost arithmetic", () => {
    const fleet = {
        gpuInstanceType: "p5.48xlarge",
        gpuNodes: 2,
        spareGpuNodes: 0,
        systemInstanceType: "m7i.xlarge",
        systemNodes: 3,
        clusters: 1,
        natGateways: 3,
    };

    it("the hourly cost is the sum of its parts, each nodes x price", () => {
        const { hourlyCostUsd, costBreakdown } = hourlyCost(fleet);
        assert.strictEqual(costBreakdown.gpuNodes, 2 * P5.hourlyUsd);
        assert.strictEqual(costBreakdown.systemNodes, Math.round(3 * SYSTEM_INSTANCE_TYPES["m7i.xlarge"].hourlyUsd * 1e4) / 1e4);
        assert.strictEqual(costBreakdown.eksControlPlane, EKS_CONTROL_PLANE_USD_PER_HOUR);
        assert.strictEqual(costBreakdown.natGateways, Math.round(3 * NAT_GATEWAY_USD_PER_HOUR * 1e4) / 1e4);
        const sum = Object.values(costBreakdown).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(hourlyCostUsd - sum) < 1e-9);
    });

    it("vCPU quotas: P instances and standard instances counted separately, nodes x vCPUs", () => {
        const quotas = vcpuQuotas(fleet);
        assert.deepStrictEqual(
            quotas.map((q) => [q.code, q.vcpus]),
            [
                [quotaOf("p5.48xlarge").code, 2 * 192],
                [quotaOf("m7i.xlarge").code, 3 * SYSTEM_INSTANCE_TYPES["m7i.xlarge"].vcpu],
            ],
        );
        assert.strictEqual(quotaOf("g5.xlarge").code, "L-DB2E81BA");
        assert.strictEqual(quotaOf("p5.48xlarge").code, "L-417A185B");
    });

    it("the estimate counts one NAT gateway per zone of a new VPC and none for an existing VPC", () => {
        const base = {
            gpuInstanceType: "p5.48xlarge",
            gpuNodeCount: 2,
            spareGpuNodes: 0,
            systemInstanceType: "m7i.xlarge",
            systemNodeCount: 3,
            availabilityZones: ["a", "b", "c"],
            gpuPods: 16,
            gpusPerPod: 1,
        };
        assert.strictEqual(
            costEstimate({ ...base, createVpc: true }).costBreakdown.natGateways,
            Math.round(3 * NAT_GATEWAY_USD_PER_HOUR * 1e4) / 1e4,
        );
        assert.strictEqual(costEstimate({ ...base, createVpc: false }).costBreakdown.natGateways, 0);
        assert.strictEqual(costEstimate({ ...base, createVpc: true }).gpuUtilisation, 1);
        assert.strictEqual(costEstimate({ ...base, gpuPods: 12, createVpc: true }).gpuUtilisation, 0.75);
    });

    it("a spare GPU node is one more node in the GPU line, reported as its share of it, and lowers utilisation", () => {
        const base = {
            gpuInstanceType: "p5.48xlarge",
            systemInstanceType: "m7i.xlarge",
            systemNodeCount: 3,
            availabilityZones: ["a", "b", "c"],
            gpuPods: 16,
            gpusPerPod: 1,
            createVpc: true,
        };
        const without = costEstimate({ ...base, gpuNodeCount: 2, spareGpuNodes: 0 });
        const withSpare = costEstimate({ ...base, gpuNodeCount: 3, spareGpuNodes: 1 });
        assert.strictEqual(without.spareGpuNodesHourlyUsd, 0);
        assert.strictEqual(withSpare.spareGpuNodes, 1);
        assert.strictEqual(withSpare.spareGpuNodesHourlyUsd, P5.hourlyUsd);
        assert.strictEqual(withSpare.costBreakdown.gpuNodes, 3 * P5.hourlyUsd);
        assert.ok(Math.abs(withSpare.hourlyCostUsd - without.hourlyCostUsd - P5.hourlyUsd) < 1e-9, "the spare is not counted twice");
        assert.strictEqual(withSpare.gpuUtilisation, Math.round((16 / 24) * 1e4) / 1e4);
    });
});
