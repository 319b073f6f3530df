import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { formatCidr, parseCidr } from "../../stacks/cidr";

/** The ids the cluster needs, whether the VPC is new or existing. */
export interface NetworkIds {
    vpcId: pulumi.Input<string>;
    /** The VPC's IPv4 CIDR: internal load balancers admit it by default. */
    vpcCidr: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** Options of a new VPC. */
export interface NetworkArgs {
    /** VPC CIDR, /16 to /20. */
    readonly cidrBlock: string;
    /** One public and one private subnet (and one NAT gateway) per zone. */
    readonly availabilityZones: string[];
    /** Tags subnets with `kubernetes.io/cluster/<clusterName>` for the load balancer controller. */
    readonly clusterName: string;
}

/**
 * Splits a VPC CIDR: private subnets (nodes, internal load balancers) take an eighth each from
 * the bottom; public subnets (NAT gateways, internet-facing load balancers) take a 64th each
 * from the middle. Up to 4 zones.
 */
export function subnetCidrs(vpcCidr: string, zoneCount: number): { private: string[]; public: string[] } {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) {
        throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
    }
    const [base, prefix] = [vpc.start, vpc.prefix];
    const toCidr = formatCidr;
    const privateSize = 2 ** (32 - (prefix + 3));
    const publicSize = 2 ** (32 - (prefix + 6));
    const zones = [...Array(zoneCount).keys()];
    return {
        private: zones.map((i) => toCidr(base + i * privateSize, prefix + 3)),
        public: zones.map((i) => toCidr(base + 4 * privateSize + i * publicSize, prefix + 6)),
    };
}

/**
 * A VPC for EKS: nodes in private subnets behind one NAT gateway per zone (a zone outage does
 * not cut the others off), subnets tagged for the AWS Load Balancer Controller.
 */
export class Network extends pulumi.ComponentResource implements NetworkIds {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: string;
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly publicSubnetIds: pulumi.Output<string>[];
    /** Private subnet of each zone, to pin a node group to one zone. */
    public readonly privateSubnetIdByZone: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:network:Network", name, {}, opts);
        this.vpcCidr = args.cidrBlock;
        const parent = { parent: this };
        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
        const cidrs = subnetCidrs(args.cidrBlock, args.availabilityZones.length);

        const vpc = new aws.ec2.Vpc(
            name,
            {
                cidrBlock: args.cidrBlock,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: name },
            },
            parent,
        );
        const gateway = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { Name: name } }, parent);
        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public`,
            {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
                tags: { Name: `${name}-public` },
            },
            parent,
        );

        this.publicSubnetIds = [];
        this.privateSubnetIds = [];
        args.availabilityZones.forEach((zone, i) => {
            const publicSubnet = new aws.ec2.Subnet(
                `${name}-public-${zone}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: zone,
                    cidrBlock: cidrs.public[i],
                    mapPublicIpOnLaunch: false,
                    tags: { Name: `${name}-public-${zone}`, "kubernetes.io/role/elb": "1", ...clusterTag },
                },
                parent,
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-public-${zone}`,
                { subnetId: publicSubnet.id, routeTableId: publicRoutes.id },
                parent,
            );
            const natIp = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags: { Name: `${name}-nat-${zone}` } }, parent);
            const nat = new aws.ec2.NatGateway(
                `${name}-${zone}`,
                {
                    subnetId: publicSubnet.id,
                    allocationId: natIp.id,
                    tags: { Name: `${name}-${zone}` },
                },
                { parent: this, dependsOn: [gateway] },
            );

            const privateSubnet = new aws.ec2.Subnet(
                `${name}-private-${zone}`,
                {
                    vpcId: vpc.id,
                    availabilityZone: zone,
                    cidrBlock: cidrs.private[i],
                    tags: { Name: `${name}-private-${zone}`, "kubernetes.io/role/internal-elb": "1", ...clusterTag },
                },
                parent,
            );
            const privateRoutes = new aws.ec2.RouteTable(
                `${name}-private-${zone}`,
                {
                    vpcId: vpc.id,
                    routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
                    tags: { Name: `${name}-private-${zone}` },
                },
                parent,
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-private-${zone}`,
                { subnetId: privateSubnet.id, routeTableId: privateRoutes.id },
                parent,
            );

            this.publicSubnetIds.push(publicSubnet.id);
            this.privateSubnetIds.push(privateSubnet.id);
            this.privateSubnetIdByZone[zone] = privateSubnet.id;
        });
        this.vpcId = vpc.id;
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
