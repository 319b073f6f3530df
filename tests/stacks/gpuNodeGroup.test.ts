/**
 * components/gpuNodeGroup.ts: the GPU managed node group. Its AMI, taint, labels, EFA wiring,
 * zone and size decide whether the prefill/decode pods can be scheduled at all and whether
 * KV-cache transfer runs over EFA.
 */
import * as assert from "assert";
import { parse as parseYaml } from "yaml";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const SUBNET = "aws:ec2/subnet:Subnet";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

interface GpuTemplate {
    metadataOptions: { httpTokens: string; httpPutResponseHopLimit: number };
    blockDeviceMappings: { deviceName: string; ebs: { volumeSize: number; encrypted: string } }[];
    networkInterfaces?: { interfaceType: string }[];
    placement?: { groupName?: string };
    userData?: string;
}

/** The GPU group's own launch template (every path has one: hop limit 1, encrypted root). */
function gpuTemplate(p: StackPlan): GpuTemplate {
    const gpu = p.nodeGroup("gpu");
    const template = p.resource(TEMPLATE, "gpu-nodes");
    assert.deepStrictEqual((gpu.inputs.launchTemplate as { id: string }).id, p.idOf(template));
    return template.inputs as unknown as GpuTemplate;
}
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

    it("pins the AMI release on p5.48xlarge, with no nodeadm options for pulumi-eks to drop it over, on demand", () => {
        assert.strictEqual(gpu.inputs.nodeadmExtraOptions, undefined, "our launch template carries the RAID0 config");
        assert.strictEqual(gpu.inputs.amiType, "AL2023_x86_64_NVIDIA");
        assert.strictEqual(gpu.inputs.releaseVersion, "1.35.6-20260714");
        assert.strictEqual(gpu.inputs.amiId, undefined);
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

    it("gives every network card an EFA interface and joins a cluster placement group", () => {
        const t = gpuTemplate(p);
        assert.strictEqual(t.networkInterfaces?.length, GPU_INSTANCE_TYPES["p5.48xlarge"].maxEfaDevices);
        assert.ok(t.networkInterfaces?.every((i) => i.interfaceType === "efa" || i.interfaceType === "efa-only"));
        const group = p.only("aws:ec2/placementGroup:PlacementGroup");
        assert.strictEqual(group.inputs.strategy, "cluster");
        assert.ok(t.placement?.groupName, "placement group named in the template");
    });

    it("puts the nodes only in the private subnet of gpuAvailabilityZone", () => {
        const zone = p.plan.config.gpuAvailabilityZone as string;
        assert.deepStrictEqual(gpu.inputs.subnetIds, [p.idOf(privateSubnetOf(p, zone))]);
    });

    it("has an encrypted root volume of at least 100 GiB and IMDSv2 with hop limit 1", () => {
        const t = gpuTemplate(p);
        assert.ok(t.blockDeviceMappings[0].ebs.volumeSize >= 100);
        assert.strictEqual(t.blockDeviceMappings[0].ebs.encrypted, "true");
        assert.strictEqual(t.metadataOptions.httpTokens, "required");
        assert.strictEqual(t.metadataOptions.httpPutResponseHopLimit, 1);
        assert.strictEqual(gpu.inputs.enableIMDSv2, undefined, "pulumi-eks's own template (hop limit 2) is not used");
    });

    it("assembles the instance-store NVMe as RAID0 through nodeadm", () => {
        const userData = Buffer.from(gpuTemplate(p).userData ?? "", "base64").toString();
        assert.ok(userData.includes("Content-Type: application/node.eks.aws"), userData);
        const part = userData.split("Content-Type: application/node.eks.aws")[1].split("--PD-SERVING-NODEADM--")[0];
        const nodeConfig = parseYaml(part) as {
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
        assert.strictEqual(gpu.inputs.clusterName, cluster.inputs.name);
        assert.ok(gpu.dependsOn.includes(`eks:index:Cluster::${cluster.name}`), "created after the cluster, deleted before it");
        assert.ok(gpu.dependsOn.includes("aws:iam/role:Role::cluster-node"), "nodeRoleArn from the shared node role");
        assert.deepStrictEqual(gpu.inputs.nodeRoleArn, p.nodeGroup("system").inputs.nodeRoleArn);
        assert.ok(p.nodeGroup("system").dependsOn.includes("aws:iam/role:Role::cluster-node"));
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
        assert.ok(gpuTemplate(p).placement?.groupName);
        assert.deepStrictEqual(gpu.inputs.subnetIds, [p.idOf(privateSubnetOf(p, "us-east-1b"))]);
    });
});

describe("gpuNodeGroup: dev (g5.xlarge, no EFA)", () => {
    let p: StackPlan;
    let gpu: PlannedResource;
    before(async () => {
        p = await planStack("dev", [], { distinctIds: true });
        gpu = p.nodeGroup("gpu");
    });

    it("runs 2 g5.xlarge nodes", () => {
        assert.deepStrictEqual(gpu.inputs.instanceTypes, ["g5.xlarge"]);
        assert.strictEqual((gpu.inputs.scalingConfig as Scaling).desiredSize, 2);
        assert.strictEqual(p.plan.summary.gpusProvisioned, 2);
    });

    it("has no EFA: no EFA support, no efa label", () => {
        assert.strictEqual(gpuTemplate(p).networkInterfaces, undefined);
        assert.strictEqual(p.resources("aws:ec2/placementGroup:PlacementGroup").length, 0);
        assert.ok(!("pd-serving/efa" in (gpu.inputs.labels as Record<string, string>)));
    });

    it("keeps the pinned GPU AMI (the release version, with our launch template carrying the RAID0 config) and taint", () => {
        assert.strictEqual(gpu.inputs.amiType, "AL2023_x86_64_NVIDIA");
        assert.strictEqual(gpu.inputs.releaseVersion, "1.35.6-20260714");
        assert.strictEqual(gpu.inputs.amiId, undefined);
        assert.deepStrictEqual(gpu.inputs.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
    });
});

describe("gpuNodeGroup: AMI pin and updates without surge", () => {
    it("pins the same AMI whatever else changes (decodeReplicas 8 -> 12 leaves the node group's AMI inputs alone)", async () => {
        const pick = (g: PlannedResource) => [g.inputs.amiId, g.inputs.amiType, g.inputs.releaseVersion, g.inputs.operatingSystem];
        const base = (await planStack("dev")).nodeGroup("gpu");
        const scaled = (await planStack("dev", ["decodeReplicas=3"])).nodeGroup("gpu");
        assert.deepStrictEqual(pick(scaled), pick(base));
    });

    it("pins the release version per Kubernetes version, with and without a capacity reservation (our launch template: pulumi-eks writes no user data)", async () => {
        const reservation = ["gpuCapacityType=CAPACITY_BLOCK", "gpuCapacityReservationId=cr-02168da1478b509e0"];
        for (const [version, release, sets] of [
            ["1.35", "1.35.6-20260714", reservation],
            ["1.36", "1.36.2-20260714", reservation],
            ["1.36", "1.36.2-20260714", []],
        ] as const) {
            const g = (await planStack("llama31-pd", [...sets, `kubernetesVersion=${version}`])).nodeGroup("gpu");
            assert.strictEqual(g.inputs.amiType, "AL2023_x86_64_NVIDIA", version);
            assert.strictEqual(g.inputs.releaseVersion, release, version);
            assert.strictEqual(g.inputs.amiId, undefined, version);
        }
    });

    it("updates one node at a time without a surge node (updateStrategy MINIMAL), in the plan itself", async () => {
        for (const stack of ["llama31-pd", "dev"]) {
            const g = (await planStack(stack)).nodeGroup("gpu");
            assert.deepStrictEqual(g.inputs.updateConfig, { updateStrategy: "MINIMAL", maxUnavailable: 1 }, stack);
        }
    });
});
