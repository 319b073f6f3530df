/**
 * components/gpuNodeGroup.ts: the GPU managed node group. Its AMI, taint, labels, EFA wiring,
 * zone and size decide whether the prefill/decode pods can be scheduled at all and whether
 * KV-cache transfer runs over EFA.
 */
import * as assert from "assert";
import { parse as parseYaml } from "yaml";
import { GPU_INSTANCE_TYPES } from "../stacks/catalog/instances";
import { planStack, PlannedResource, StackPlan } from "./helpers/plan";
import { KNOWN_AFTER_UP } from "../plan/offline/mocks";
import { gpuAmiSsmParameter } from "../stacks/catalog/amis";
import { NO_SURGE_UPDATE_CONFIG, noSurgeNodeUpdates } from "../components/cloud/gpuNodeGroup";

const SUBNET = "aws:ec2/subnet:Subnet";
type Scaling = { minSize: number; desiredSize: number; maxSize: number };

function privateSubnetOf(p: StackPlan, zone: string): PlannedResource {
    const found = p
        .resources(SUBNET)
        .filter(
            (s) =>
                s.inputs.availabilityZone === zone && (s.inputs.tags as Record<string, string>)["kubernetes.io/role/internal-elb"] === "1",
        );
    assert.strictEqual(found.length, 1, `one private subnet in ${zone}`);
    return found[0];
}

describe("gpuNodeGroup: llama31-pd (p5.48xlarge, EFA)", () => {
    let p: StackPlan;
    let gpu: PlannedResource;
    before(async () => {
        p = await planStack("llama31-pd", [], { distinctIds: true });
        gpu = p.nodeGroup("gpu");
    });

    it("pins the AMI by id on p5.48xlarge (nodeadm RAID0 options make pulumi-eks drop amiType/releaseVersion), on demand", () => {
        assert.ok(gpu.inputs.nodeadmExtraOptions, "the case this pin is for");
        assert.strictEqual(gpu.inputs.operatingSystem, "AL2023");
        assert.strictEqual(gpu.inputs.amiId, KNOWN_AFTER_UP, "the AMI id of the pinned release, read from its SSM parameter at up");
        assert.strictEqual(gpu.inputs.amiType, undefined, "pulumi-eks refuses amiType with amiId");
        assert.strictEqual(gpu.inputs.releaseVersion, undefined);
        assert.deepStrictEqual(gpu.inputs.instanceTypes, ["p5.48xlarge"]);
        assert.strictEqual(gpu.inputs.capacityType, "ON_DEMAND");
    });

    it("taints the nodes nvidia.com/gpu=true:NoSchedule", () => {
        assert.deepStrictEqual(gpu.inputs.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
    });

    it("labels the nodes pool=gpu and efa=true", () => {
        const labels = gpu.inputs.labels as Record<string, string>;
        assert.strictEqual(labels["pd-serving/node-pool"], "gpu");
        assert.strictEqual(labels["pd-serving/efa"], "true");
    });

    it("enables EFA with a placement group in gpuAvailabilityZone", () => {
        assert.strictEqual(gpu.inputs.enableEfaSupport, true);
        assert.strictEqual(gpu.inputs.placementGroupAvailabilityZone, p.plan.config.gpuAvailabilityZone);
    });

    it("puts the nodes only in the private subnet of gpuAvailabilityZone", () => {
        const zone = p.plan.config.gpuAvailabilityZone as string;
        assert.deepStrictEqual(gpu.inputs.subnetIds, [p.idOf(privateSubnetOf(p, zone))]);
    });

    it("has a root volume of at least 100 GiB and IMDSv2", () => {
        assert.ok((gpu.inputs.diskSize as number) >= 100, `diskSize ${gpu.inputs.diskSize}`);
        assert.strictEqual(gpu.inputs.enableIMDSv2, true);
    });

    it("assembles the instance-store NVMe as RAID0 through nodeadm", () => {
        const options = gpu.inputs.nodeadmExtraOptions as { contentType: string; content: string }[];
        assert.strictEqual(options.length, 1);
        assert.strictEqual(options[0].contentType, "application/node.eks.aws");
        const nodeConfig = parseYaml(options[0].content) as {
            apiVersion: string;
            kind: string;
            spec: { instance: { localStorage: { strategy: string } } };
        };
        assert.strictEqual(nodeConfig.apiVersion, "node.eks.aws/v1alpha1");
        assert.strictEqual(nodeConfig.kind, "NodeConfig");
        assert.strictEqual(nodeConfig.spec.instance.localStorage.strategy, "RAID0");
    });

    it("has exactly 2 nodes that never scale in (desired = min = 2)", () => {
        const scaling = gpu.inputs.scalingConfig as Scaling;
        assert.strictEqual(scaling.desiredSize, 2);
        assert.strictEqual(scaling.minSize, 2);
        assert.ok(scaling.maxSize >= 2);
    });

    it("joins the cluster with the shared node role", () => {
        const cluster = p.only("eks:index:Cluster");
        assert.deepStrictEqual(gpu.inputs.cluster, { resource: `eks:index:Cluster::${cluster.name}` });
        assert.deepStrictEqual(gpu.inputs.nodeRole, p.nodeGroup("system").inputs.nodeRole);
    });

    it("provisions 16 H100s for 16 single-GPU pods", () => {
        assert.strictEqual(p.plan.summary.gpusProvisioned, 2 * GPU_INSTANCE_TYPES["p5.48xlarge"].gpus);
    });
});

describe("gpuNodeGroup: follows config", () => {
    it("prefillReplicas=12 (12+8 pods) sizes the group to 3 nodes", async () => {
        const p = await planStack("llama31-pd", ["prefillReplicas=12"]);
        const scaling = p.nodeGroup("gpu").inputs.scalingConfig as Scaling;
        assert.strictEqual(scaling.desiredSize, 3);
        assert.strictEqual(scaling.minSize, 3);
        assert.strictEqual(p.plan.outputs.gpuNodeCount, 3);
    });

    it("an explicit gpuNodeCount wins over the derived count", async () => {
        const p = await planStack("llama31-pd", ["gpuNodeCount=5"]);
        assert.strictEqual((p.nodeGroup("gpu").inputs.scalingConfig as Scaling).desiredSize, 5);
    });

    it("a parked graph (0+0) keeps the group with 0 nodes", async () => {
        const p = await planStack("llama31-pd", ["prefillReplicas=0", "decodeReplicas=0"]);
        const scaling = p.nodeGroup("gpu").inputs.scalingConfig as Scaling;
        assert.strictEqual(scaling.desiredSize, 0);
        assert.strictEqual(scaling.minSize, 0);
        assert.ok(scaling.maxSize >= 1, "EKS requires maxSize >= 1");
        assert.strictEqual(p.plan.summary.costBreakdown.gpuNodes, 0);
    });

    it("gpuAvailabilityZone=us-east-1b moves the nodes and the placement group to us-east-1b", async () => {
        const p = await planStack("llama31-pd", ["gpuAvailabilityZone=us-east-1b"], { distinctIds: true });
        const gpu = p.nodeGroup("gpu");
        assert.strictEqual(gpu.inputs.placementGroupAvailabilityZone, "us-east-1b");
        assert.deepStrictEqual(gpu.inputs.subnetIds, [p.idOf(privateSubnetOf(p, "us-east-1b"))]);
    });
});

describe("gpuNodeGroup: dev (g5.xlarge, no EFA)", () => {
    let p: StackPlan;
    let gpu: PlannedResource;
    before(async () => {
        p = await planStack("dev");
        gpu = p.nodeGroup("gpu");
    });

    it("runs 2 g5.xlarge nodes", () => {
        assert.deepStrictEqual(gpu.inputs.instanceTypes, ["g5.xlarge"]);
        assert.strictEqual((gpu.inputs.scalingConfig as Scaling).desiredSize, 2);
        assert.strictEqual(p.plan.summary.gpusProvisioned, 2);
    });

    it("has no EFA: no EFA support, no efa label", () => {
        assert.notStrictEqual(gpu.inputs.enableEfaSupport, true);
        assert.ok(!("pd-serving/efa" in (gpu.inputs.labels as Record<string, string>)));
    });

    it("keeps the pinned GPU AMI (by id: g5.xlarge has NVMe, so nodeadm options) and taint", () => {
        assert.strictEqual(gpu.inputs.operatingSystem, "AL2023");
        assert.strictEqual(gpu.inputs.amiId, KNOWN_AFTER_UP);
        assert.deepStrictEqual(gpu.inputs.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
    });
});

describe("gpuNodeGroup: AMI pin and updates without surge", () => {
    it("reads the AMI id from the release's own SSM parameter, not the moving `recommended` one", () => {
        assert.strictEqual(
            gpuAmiSsmParameter("1.35", "v20260714"),
            "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/nvidia/amazon-eks-node-al2023-x86_64-nvidia-1.35-v20260714/image_id",
        );
    });

    it("pins the same AMI whatever else changes (decodeReplicas 8 -> 12 leaves the node group's AMI inputs alone)", async () => {
        const pick = (g: PlannedResource) => [g.inputs.amiId, g.inputs.amiType, g.inputs.releaseVersion, g.inputs.operatingSystem];
        const base = (await planStack("dev")).nodeGroup("gpu");
        const scaled = (await planStack("dev", ["decodeReplicas=3"])).nodeGroup("gpu");
        assert.deepStrictEqual(pick(scaled), pick(base));
    });

    it("with a capacity reservation (our launch template, no nodeadm options for pulumi-eks) pins the release version, per Kubernetes version", async () => {
        const reservation = ["gpuCapacityType=CAPACITY_BLOCK", "gpuCapacityReservationId=cr-02168da1478b509e0"];
        for (const [version, release] of [
            ["1.35", "1.35.6-20260714"],
            ["1.36", "1.36.2-20260714"],
        ]) {
            const g = (await planStack("llama31-pd", [...reservation, `kubernetesVersion=${version}`])).nodeGroup("gpu");
            assert.strictEqual(g.inputs.amiType, "AL2023_x86_64_NVIDIA", version);
            assert.strictEqual(g.inputs.releaseVersion, release, version);
            assert.strictEqual(g.inputs.amiId, undefined, version);
        }
    });

    it("sets updateStrategy MINIMAL, one node at a time, on the node group pulumi-eks creates (no surge GPU node)", () => {
        const props = { nodeGroupName: "x" };
        const result = noSurgeNodeUpdates({ custom: true, type: "aws:eks/nodeGroup:NodeGroup", name: "n", props, opts: {} });
        assert.ok(result && !(result instanceof Promise));
        assert.deepStrictEqual(result.props, { nodeGroupName: "x", updateConfig: { updateStrategy: "MINIMAL", maxUnavailable: 1 } });
        assert.deepStrictEqual(NO_SURGE_UPDATE_CONFIG, { updateStrategy: "MINIMAL", maxUnavailable: 1 });
        assert.strictEqual(
            noSurgeNodeUpdates({ custom: true, type: "aws:ec2/launchTemplate:LaunchTemplate", name: "n", props, opts: {} }),
            undefined,
        );
    });
});
