/**
 * GPU capacity from a reservation (issue 6 item 4): with gpuCapacityReservationId the GPU node
 * group launches from a launch template of the program's own that targets the reservation (and,
 * for a Capacity Block, its market type) and carries everything pulumi-eks would otherwise have
 * set: the instance type, EFA interfaces on every network card, IMDSv2, the root volume and the
 * nodeadm RAID0 config. It creates no placement group: the reservation fixes placement, and a
 * new group would not match it. Reservations are zonal, so the nodes go
 * only to subnets of that zone.
 */
import * as assert from "assert";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const PLACEMENT_GROUP = "aws:ec2/placementGroup:PlacementGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const RESERVATION = "cr-0123456789abcdef0";
const MOCKS = { distinctIds: true };

interface NetworkInterface {
    networkCardIndex: number;
    deviceIndex: number;
    interfaceType: string;
    securityGroups?: unknown[];
}
interface TemplateInputs {
    instanceType?: string;
    capacityReservationSpecification?: { capacityReservationTarget?: { capacityReservationId?: string } };
    instanceMarketOptions?: { marketType?: string };
    metadataOptions?: { httpTokens?: string; httpEndpoint?: string };
    blockDeviceMappings?: { deviceName: string; ebs?: { volumeType?: string; volumeSize?: number } }[];
    networkInterfaces?: NetworkInterface[];
    placement?: { groupName?: string };
    userData?: string;
}

function template(p: StackPlan): { resource: PlannedResource; inputs: TemplateInputs } {
    const resource = p.resource(TEMPLATE, "gpu-nodes");
    return { resource, inputs: resource.inputs as TemplateInputs };
}

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

describe("capacity: llama31-pd in a Capacity Block", () => {
    let p: StackPlan;
    let t: TemplateInputs;
    let gpu: PlannedResource;
    before(async () => {
        p = await planStack("llama31-pd", ["gpuCapacityType=CAPACITY_BLOCK", `gpuCapacityReservationId=${RESERVATION}`], MOCKS);
        t = template(p).inputs;
        gpu = p.nodeGroup("gpu");
    });

    it("targets the reservation from a launch template of p5.48xlarge", () => {
        assert.strictEqual(t.capacityReservationSpecification?.capacityReservationTarget?.capacityReservationId, RESERVATION);
        assert.strictEqual(t.instanceType, "p5.48xlarge");
    });

    it("sets the capacity-block market type", () => {
        assert.strictEqual(t.instanceMarketOptions?.marketType, "capacity-block");
    });

    it("wires one EFA interface per network card: 32 on p5.48xlarge, card 0 efa (device 0), the rest efa-only (device 1)", () => {
        const nics = t.networkInterfaces ?? [];
        assert.strictEqual(nics.length, GPU_INSTANCE_TYPES["p5.48xlarge"].maxEfaDevices);
        assert.strictEqual(nics.length, 32);
        assert.deepStrictEqual(
            nics.map((n) => n.networkCardIndex),
            [...Array(32).keys()],
        );
        assert.deepStrictEqual([nics[0].interfaceType, nics[0].deviceIndex], ["efa", 0]);
        for (const n of nics.slice(1)) {
            assert.deepStrictEqual([n.interfaceType, n.deviceIndex], ["efa-only", 1], `card ${n.networkCardIndex}`);
        }
        for (const n of nics) {
            assert.ok((n.securityGroups ?? []).length > 0, `card ${n.networkCardIndex} has no security group`);
        }
    });

    it("creates no placement group of its own: the reservation fixes placement", () => {
        assert.strictEqual(p.resources(PLACEMENT_GROUP).length, 0);
        assert.strictEqual(t.placement, undefined);
    });

    it("requires IMDSv2", () => {
        assert.strictEqual(t.metadataOptions?.httpTokens, "required");
    });

    it("has a gp3 root volume", () => {
        const root = t.blockDeviceMappings?.find((b) => b.deviceName === "/dev/xvda");
        assert.strictEqual(root?.ebs?.volumeType, "gp3");
        assert.ok((root?.ebs?.volumeSize ?? 0) >= 100, `root volume ${root?.ebs?.volumeSize} GiB`);
    });

    it("assembles the NVMe instance store as RAID0 through nodeadm user data (base64 MIME)", () => {
        assert.ok(t.userData, "no user data");
        const text = Buffer.from(t.userData, "base64").toString("utf8");
        assert.match(text, /^MIME-Version: 1\.0/m);
        assert.match(text, /Content-Type: multipart\/mixed; boundary="?([^"\n]+)"?/);
        assert.match(text, /Content-Type: application\/node\.eks\.aws/);
        assert.match(text, /kind: NodeConfig/);
        assert.match(text, /strategy: RAID0/);
    });

    it("makes the managed node group use that template with capacityType CAPACITY_BLOCK", () => {
        const lt = gpu.inputs.launchTemplate as { id?: string; version?: string } | undefined;
        assert.strictEqual(lt?.id, p.idOf(template(p).resource));
        assert.ok(lt?.version, "no launch template version");
        assert.strictEqual(gpu.inputs.capacityType, "CAPACITY_BLOCK");
    });

    it("leaves instance types, EFA support and disk size to the template (EKS rejects them beside one)", () => {
        for (const key of ["instanceTypes", "enableEfaSupport", "diskSize"]) {
            assert.strictEqual(gpu.inputs[key], undefined, `${key} = ${JSON.stringify(gpu.inputs[key])}`);
        }
    });

    it("launches only into the private subnet of gpuAvailabilityZone (a new VPC)", () => {
        assert.deepStrictEqual(gpu.inputs.subnetIds, [p.idOf(privateSubnetOf(p, p.plan.config.gpuAvailabilityZone as string))]);
    });

    it("still reports 2 x p5.48xlarge and 16 GPUs in the summary", () => {
        const s = p.plan.summary;
        assert.strictEqual(s.gpuInstanceType, "p5.48xlarge");
        assert.strictEqual(s.gpuNodes, 2);
        assert.strictEqual(s.gpusProvisioned, 16);
        assert.strictEqual(s.gpusRequested, 16);
        assert.strictEqual(s.gpuCapacityType, "CAPACITY_BLOCK");
    });
});

describe("capacity: llama31-pd from an On-Demand Capacity Reservation in us-east-1b", () => {
    let p: StackPlan;
    let t: TemplateInputs;
    before(async () => {
        p = await planStack("llama31-pd", [`gpuCapacityReservationId=${RESERVATION}`, "gpuAvailabilityZone=us-east-1b"], MOCKS);
        t = template(p).inputs;
    });

    it("targets the reservation without the capacity-block market type", () => {
        assert.strictEqual(t.capacityReservationSpecification?.capacityReservationTarget?.capacityReservationId, RESERVATION);
        assert.strictEqual(t.instanceMarketOptions, undefined);
    });

    it("keeps the node group on demand, from the template", () => {
        const gpu = p.nodeGroup("gpu");
        assert.strictEqual(gpu.inputs.capacityType, "ON_DEMAND");
        assert.strictEqual((gpu.inputs.launchTemplate as { id?: string }).id, p.idOf(template(p).resource));
        assert.strictEqual(gpu.inputs.instanceTypes, undefined);
    });

    it("follows gpuAvailabilityZone: only the private subnet of us-east-1b", () => {
        assert.deepStrictEqual(p.nodeGroup("gpu").inputs.subnetIds, [p.idOf(privateSubnetOf(p, "us-east-1b"))]);
    });
});

describe("capacity: a reservation in an existing VPC", () => {
    const gpuSubnets = ["subnet-0aaaaaaaaaaaaaaa1"];
    let p: StackPlan;
    before(async () => {
        p = await planStack(
            "llama31-pd",
            [
                "vpcId=vpc-0123456789abcdef0",
                "privateSubnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef1,subnet-0aaaaaaaaaaaaaaa1",
                `gpuSubnetIds=${gpuSubnets.join(",")}`,
                `gpuCapacityReservationId=${RESERVATION}`,
            ],
            MOCKS,
        );
    });

    it("creates no VPC or subnets", () => {
        assert.strictEqual(p.resources(SUBNET).length, 0);
    });

    it("puts the GPU nodes exactly in gpuSubnetIds", () => {
        assert.deepStrictEqual(p.nodeGroup("gpu").inputs.subnetIds, gpuSubnets);
    });

    it("still launches p5.48xlarge from the reservation's template", () => {
        assert.strictEqual(template(p).inputs.instanceType, "p5.48xlarge");
        assert.strictEqual(p.plan.summary.gpuInstanceType, "p5.48xlarge");
        assert.strictEqual(p.plan.summary.gpusProvisioned, 16);
    });
});
