/**
 * components/network.ts: the VPC the cluster lives in. Subnets must not overlap and must sit
 * inside the VPC; the AWS Load Balancer Controller finds subnets by their tags; nodes in
 * private subnets reach the internet through their own zone's NAT gateway; an existing VPC
 * is used as given.
 */
import * as assert from "assert";
import { subnetCidrs } from "../../components/cloud/network";
import { contains, overlappingPairs, parseCidr } from "../helpers/cidr";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const EKS_CLUSTER = "eks:index:Cluster";

type Tags = Record<string, string>;
const tagsOf = (r: PlannedResource) => (r.inputs.tags ?? {}) as Tags;
const isPrivate = (r: PlannedResource) => tagsOf(r)["kubernetes.io/role/internal-elb"] === "1";
const isPublic = (r: PlannedResource) => tagsOf(r)["kubernetes.io/role/elb"] === "1";

describe("network: subnetCidrs", () => {
    for (const zones of [2, 3, 4]) {
        it(`carves ${zones} private /19 and ${zones} public /22 subnets out of a /16, inside it and disjoint`, () => {
            const vpc = "10.0.0.0/16";
            const cidrs = subnetCidrs(vpc, zones);
            assert.strictEqual(cidrs.private.length, zones);
            assert.strictEqual(cidrs.public.length, zones);
            cidrs.private.forEach((c) => assert.strictEqual(parseCidr(c).prefix, 19, c));
            cidrs.public.forEach((c) => assert.strictEqual(parseCidr(c).prefix, 22, c));
            const all = [...cidrs.private, ...cidrs.public];
            all.forEach((c) => assert.ok(contains(vpc, c), `${c} is outside ${vpc}`));
            assert.deepStrictEqual(overlappingPairs(all), []);
        });
    }

    it("works for the smallest VPC allowed (/20) with 4 zones, and a VPC not at 10.0.0.0", () => {
        for (const vpc of ["10.0.0.0/20", "172.16.48.0/20", "192.168.0.0/18"]) {
            const cidrs = subnetCidrs(vpc, 4);
            const prefix = parseCidr(vpc).prefix;
            cidrs.private.forEach((c) => assert.strictEqual(parseCidr(c).prefix, prefix + 3, c));
            cidrs.public.forEach((c) => assert.strictEqual(parseCidr(c).prefix, prefix + 6, c));
            const all = [...cidrs.private, ...cidrs.public];
            all.forEach((c) => assert.ok(contains(vpc, c), `${c} is outside ${vpc}`));
            assert.deepStrictEqual(overlappingPairs(all), [], vpc);
        }
    });
});

describe("network: new VPC (llama31-pd plan)", () => {
    let p: StackPlan;
    let zones: string[];
    let clusterName: string;
    before(async () => {
        p = await planStack("llama31-pd", [], { distinctIds: true });
        zones = p.plan.config.availabilityZones as string[];
        clusterName = `pd-serving-${p.plan.stack}`;
    });

    const subnetIn = (zone: string, pick: (r: PlannedResource) => boolean) => {
        const found = p.resources(SUBNET).filter((s) => s.inputs.availabilityZone === zone && pick(s));
        assert.strictEqual(found.length, 1, `one matching subnet in ${zone}`);
        return found[0];
    };

    it("creates one private and one public subnet per availability zone", () => {
        assert.ok(zones.length >= 2);
        assert.strictEqual(p.resources(SUBNET).length, 2 * zones.length);
        for (const zone of zones) {
            subnetIn(zone, isPrivate);
            subnetIn(zone, isPublic);
        }
    });

    it("tags private subnets for internal load balancers and public ones for internet-facing ones, both with the cluster tag", () => {
        for (const subnet of p.resources(SUBNET)) {
            const tags = tagsOf(subnet);
            assert.ok(
                isPrivate(subnet) !== isPublic(subnet),
                `${subnet.name} must carry exactly one of the elb role tags: ${JSON.stringify(tags)}`,
            );
            assert.ok(`kubernetes.io/cluster/${clusterName}` in tags, `${subnet.name} lacks kubernetes.io/cluster/${clusterName}`);
        }
    });

    it("public subnets do not hand out public IPs to instances", () => {
        p.resources(SUBNET)
            .filter(isPublic)
            .forEach((s) => assert.notStrictEqual(s.inputs.mapPublicIpOnLaunch, true, s.name));
    });

    it("subnet CIDRs are inside the VPC CIDR and disjoint", () => {
        const vpc = p.only("aws:ec2/vpc:Vpc");
        const cidrs = p.resources(SUBNET).map((s) => s.inputs.cidrBlock as string);
        cidrs.forEach((c) => assert.ok(contains(vpc.inputs.cidrBlock as string, c), c));
        assert.deepStrictEqual(overlappingPairs(cidrs), []);
        p.resources(SUBNET).forEach((s) => assert.strictEqual(s.inputs.vpcId, p.idOf(vpc), s.name));
    });

    it("has one NAT gateway per zone, each in that zone's public subnet", () => {
        const nats = p.resources(NAT);
        assert.strictEqual(nats.length, zones.length);
        const natSubnets = nats.map((n) => n.inputs.subnetId).sort();
        const publicSubnets = zones.map((z) => p.idOf(subnetIn(z, isPublic))).sort();
        assert.deepStrictEqual(natSubnets, publicSubnets);
        const eips = new Set(nats.map((n) => n.inputs.allocationId));
        assert.strictEqual(eips.size, zones.length, "each NAT gateway has its own Elastic IP");
    });

    it("routes each private subnet's 0.0.0.0/0 to the NAT gateway of its own zone", () => {
        for (const zone of zones) {
            const privateSubnet = subnetIn(zone, isPrivate);
            const associations = p.resources(ASSOCIATION).filter((a) => a.inputs.subnetId === p.idOf(privateSubnet));
            assert.strictEqual(associations.length, 1, `${zone}: private subnet has one route table`);
            const table = p.resources(ROUTE_TABLE).find((t) => p.idOf(t) === associations[0].inputs.routeTableId);
            assert.ok(table, `${zone}: associated route table exists`);
            const routes = table.inputs.routes as { cidrBlock: string; natGatewayId?: string; gatewayId?: string }[];
            const defaultRoutes = routes.filter((r) => r.cidrBlock === "0.0.0.0/0");
            assert.strictEqual(defaultRoutes.length, 1);
            const nat = p.resources(NAT).find((n) => p.idOf(n) === defaultRoutes[0].natGatewayId);
            assert.ok(nat, `${zone}: default route goes to a NAT gateway (${JSON.stringify(defaultRoutes[0])})`);
            assert.strictEqual(nat.inputs.subnetId, p.idOf(subnetIn(zone, isPublic)), `${zone}: NAT gateway of the same zone`);
        }
    });

    it("routes public subnets to the internet gateway", () => {
        const gateway = p.only("aws:ec2/internetGateway:InternetGateway");
        for (const zone of zones) {
            const association = p.resources(ASSOCIATION).find((a) => a.inputs.subnetId === p.idOf(subnetIn(zone, isPublic)));
            assert.ok(association, zone);
            const table = p.resources(ROUTE_TABLE).find((t) => p.idOf(t) === association.inputs.routeTableId);
            assert.ok(table, zone);
            const routes = table.inputs.routes as { cidrBlock: string; gatewayId?: string }[];
            assert.ok(
                routes.some((r) => r.cidrBlock === "0.0.0.0/0" && r.gatewayId === p.idOf(gateway)),
                zone,
            );
        }
    });

    it("gives the cluster the new VPC, its private subnets as private and its public subnets as public", () => {
        const cluster = p.only(EKS_CLUSTER);
        assert.strictEqual(cluster.inputs.vpcId, p.idOf(p.only("aws:ec2/vpc:Vpc")));
        const ids = (pick: (r: PlannedResource) => boolean) =>
            p
                .resources(SUBNET)
                .filter(pick)
                .map((s) => p.idOf(s))
                .sort();
        assert.deepStrictEqual([...(cluster.inputs.privateSubnetIds as string[])].sort(), ids(isPrivate));
        assert.deepStrictEqual([...(cluster.inputs.publicSubnetIds as string[])].sort(), ids(isPublic));
    });
});

describe("network: a /20 VPC over 4 zones (dev plan)", () => {
    let p: StackPlan;
    const zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];
    before(async () => {
        p = await planStack("dev", ["vpcCidr=10.20.16.0/20", `availabilityZones=${zones.join(",")}`]);
    });

    it("plans 8 subnets and 4 NAT gateways, all subnets inside 10.20.16.0/20 and disjoint", () => {
        assert.strictEqual(p.only("aws:ec2/vpc:Vpc").inputs.cidrBlock, "10.20.16.0/20");
        const subnets = p.resources(SUBNET);
        assert.deepStrictEqual([...new Set(subnets.map((s) => s.inputs.availabilityZone as string))].sort(), zones);
        assert.strictEqual(subnets.length, 8);
        assert.strictEqual(p.resources(NAT).length, 4);
        const cidrs = subnets.map((s) => s.inputs.cidrBlock as string);
        cidrs.forEach((c) => assert.ok(contains("10.20.16.0/20", c), c));
        assert.deepStrictEqual(overlappingPairs(cidrs), []);
    });
});

describe("network: existing VPC (vpcId set)", () => {
    const vpcId = "vpc-0123456789abcdef0";
    const privateIds = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"];
    const publicIds = ["subnet-0ccccccccccccccc3"];
    let p: StackPlan;
    before(async () => {
        p = await planStack("dev", [
            `vpcId=${vpcId}`,
            `privateSubnetIds=${privateIds.join(",")}`,
            `publicSubnetIds=${publicIds.join(",")}`,
        ]);
    });

    it("creates no aws:ec2 resources and no Network component", () => {
        assert.deepStrictEqual(
            // Launch templates (and placement groups) are node settings, not network resources.
            p.plan.resources
                .filter((r) => r.type.startsWith("aws:ec2/") && !/launchTemplate|placementGroup/.test(r.type))
                .map((r) => `${r.type}::${r.name}`),
            [],
        );
        assert.deepStrictEqual(p.resources("pd-serving:network:Network"), []);
    });

    it("gives the cluster the given VPC and subnet ids", () => {
        const cluster = p.only(EKS_CLUSTER);
        assert.strictEqual(cluster.inputs.vpcId, vpcId);
        assert.deepStrictEqual(cluster.inputs.privateSubnetIds, privateIds);
        assert.deepStrictEqual(cluster.inputs.publicSubnetIds, publicIds);
    });

    it("costs no NAT gateway", () => {
        assert.strictEqual(p.plan.summary.costBreakdown.natGateways, 0);
    });
});
