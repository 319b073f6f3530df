/** Region, VPC, subnets, CIDRs, capacity reservations, cluster access and the endpoint. */
import { parseCidr } from "../cidr";
import { ConfigError } from "../errors";
import { Partition, partitionOfRegion } from "../partition";
import { CONTROL_PLANE_LOG_TYPES, ConfigValues } from "../schema";

/** Regions of the aws, aws-cn and aws-us-gov partitions (us-east-1, cn-north-1, us-gov-west-1). */
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

const IAM_PRINCIPAL_ARN = /^arn:([a-z-]+):iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

const CAPACITY_RESERVATION_ID = /^cr-[0-9a-f]{8,17}$/;

export function validateRegion(region: string | undefined): string {
    if (!region || !REGION.test(region)) {
        throw new ConfigError(
            "aws:region",
            region,
            "must be an AWS region of the aws, aws-cn or aws-us-gov partition such as 'us-east-1' (pulumi config set aws:region us-east-1).",
        );
    }
    return region;
}

/** The first value listed twice, or undefined. */
export function firstDuplicate(values: readonly string[]): string | undefined {
    return values.find((value, i) => values.indexOf(value) !== i);
}

/** Lists whose entries must be distinct: a repeated subnet, zone, CIDR or ARN is a mistake. */
export const DISTINCT_LISTS = [
    "availabilityZones",
    "privateSubnetIds",
    "publicSubnetIds",
    "gpuSubnetIds",
    "adminRoleArns",
    "apiPublicAccessCidrs",
    "endpointAllowedCidrs",
    "controlPlaneLogTypes",
] as const;

export function validateDistinct(key: (typeof DISTINCT_LISTS)[number], values: readonly string[]): void {
    const repeated = firstDuplicate(values);
    if (repeated !== undefined) {
        throw new ConfigError(key, values, `lists ${JSON.stringify(repeated)} twice; each entry must be distinct.`);
    }
}

export function validateControlPlaneLogTypes(types: readonly string[]): void {
    const bad = types.find((t) => !(CONTROL_PLANE_LOG_TYPES as readonly string[]).includes(t));
    if (bad !== undefined) {
        throw new ConfigError("controlPlaneLogTypes", types, `must list only: ${CONTROL_PLANE_LOG_TYPES.join(", ")} (or be empty).`);
    }
}

export function validateCidr(key: string, cidr: string, minPrefix = 0, maxPrefix = 32): void {
    const range = parseCidr(cidr);
    if (!range || range.prefix < minPrefix || range.prefix > maxPrefix) {
        throw new ConfigError(key, cidr, `must be an IPv4 CIDR such as '10.0.0.0/16' with a prefix from /${minPrefix} to /${maxPrefix}.`);
    }
    if (range.hostBitsSet) {
        throw new ConfigError(key, cidr, `has host bits set; the network address for /${range.prefix} is required.`);
    }
}

export function validateNetwork(
    values: Pick<
        ConfigValues,
        "vpcId" | "privateSubnetIds" | "publicSubnetIds" | "vpcCidr" | "availabilityZones" | "gpuAvailabilityZone" | "endpointScheme"
    >,
    region: string,
): void {
    const zonePattern = new RegExp(`^${region}[a-z]$`);
    if (!zonePattern.test(values.gpuAvailabilityZone)) {
        throw new ConfigError(
            "gpuAvailabilityZone",
            values.gpuAvailabilityZone,
            `must be an availability zone of ${region}, such as '${region}a'.`,
        );
    }
    if (values.vpcId === "") {
        if (values.privateSubnetIds.length > 0 || values.publicSubnetIds.length > 0) {
            const key = values.privateSubnetIds.length > 0 ? "privateSubnetIds" : "publicSubnetIds";
            throw new ConfigError(key, values[key], "subnet ids need vpcId; without vpcId the program creates the VPC and its subnets.");
        }
        validateCidr("vpcCidr", values.vpcCidr, 16, 20);
        const zones = values.availabilityZones;
        if (zones.length < 2 || zones.length > 4 || new Set(zones).size !== zones.length || !zones.every((z) => zonePattern.test(z))) {
            throw new ConfigError(
                "availabilityZones",
                zones,
                `must list 2 to 4 distinct availability zones of ${region}, such as ["${region}a","${region}b"].`,
            );
        }
        if (!zones.includes(values.gpuAvailabilityZone)) {
            throw new ConfigError(
                "gpuAvailabilityZone",
                values.gpuAvailabilityZone,
                `must be one of availabilityZones: ${zones.join(", ")}.`,
            );
        }
        return;
    }
    if (!VPC_ID.test(values.vpcId)) {
        throw new ConfigError("vpcId", values.vpcId, "must be a VPC id such as 'vpc-0123456789abcdef0', or empty to create a VPC.");
    }
    if (values.privateSubnetIds.length < 2 || !values.privateSubnetIds.every((id) => SUBNET_ID.test(id))) {
        throw new ConfigError(
            "privateSubnetIds",
            values.privateSubnetIds,
            "with vpcId, must list at least 2 subnet ids (subnet-...) in different availability zones.",
        );
    }
    if (!values.publicSubnetIds.every((id) => SUBNET_ID.test(id))) {
        throw new ConfigError("publicSubnetIds", values.publicSubnetIds, "must list subnet ids (subnet-...).");
    }
    if (values.endpointScheme === "internet-facing" && values.publicSubnetIds.length === 0) {
        throw new ConfigError(
            "publicSubnetIds",
            values.publicSubnetIds,
            "an internet-facing endpoint in an existing VPC needs public subnets.",
        );
    }
}

/** Capacity reservations are zonal: the GPU nodes must launch into subnets of that zone only. */
export function validateCapacity(
    v: Pick<ConfigValues, "gpuCapacityType" | "gpuCapacityReservationId" | "vpcId" | "gpuSubnetIds" | "efa">,
): void {
    if (v.gpuCapacityReservationId !== "" && !CAPACITY_RESERVATION_ID.test(v.gpuCapacityReservationId)) {
        throw new ConfigError(
            "gpuCapacityReservationId",
            v.gpuCapacityReservationId,
            "must be a capacity reservation id such as 'cr-02168da1478b509e0', or empty.",
        );
    }
    if (v.gpuCapacityType === "CAPACITY_BLOCK" && v.gpuCapacityReservationId === "") {
        throw new ConfigError(
            "gpuCapacityReservationId",
            "",
            "gpuCapacityType=CAPACITY_BLOCK needs the Capacity Block's reservation id (cr-...).",
        );
    }
    if (v.vpcId === "" && v.gpuSubnetIds.length > 0) {
        throw new ConfigError(
            "gpuSubnetIds",
            v.gpuSubnetIds,
            "needs vpcId; a new VPC puts GPU nodes in its private subnet of gpuAvailabilityZone.",
        );
    }
    if (!v.gpuSubnetIds.every((id) => SUBNET_ID.test(id))) {
        throw new ConfigError("gpuSubnetIds", v.gpuSubnetIds, "must list subnet ids (subnet-...).");
    }
    if (v.vpcId !== "" && v.efa && v.gpuSubnetIds.length === 0) {
        throw new ConfigError(
            "gpuSubnetIds",
            v.gpuSubnetIds,
            "with vpcId and efa=true, list the private subnet(s) of gpuAvailabilityZone: EFA nodes share one cluster placement group, which lives in one zone.",
        );
    }
    if (v.vpcId !== "" && v.gpuCapacityReservationId !== "" && v.gpuSubnetIds.length === 0) {
        throw new ConfigError(
            "gpuSubnetIds",
            v.gpuSubnetIds,
            "with vpcId and a capacity reservation, list the private subnet(s) of gpuAvailabilityZone: nodes launched in another zone cannot use the reservation.",
        );
    }
}

/**
 * Admin ARNs must be IAM principals of the stack's own partition (an aws-cn role cannot be given
 * access to a cluster in us-east-1). An empty apiPublicAccessCidrs is valid: a private-only API
 * endpoint, which `pulumi up` then reaches only from inside the VPC (VPN, peering, a bastion).
 */
export function validateAccess(adminRoleArns: string[], apiPublicAccessCidrs: string[], region: string | undefined): void {
    const partition: Partition | undefined = region ? partitionOfRegion(region) : undefined;
    for (const arn of adminRoleArns) {
        const match = IAM_PRINCIPAL_ARN.exec(arn);
        const example = `arn:${partition ?? "aws"}:iam::123456789012:role/Admin`;
        if (!match) {
            throw new ConfigError("adminRoleArns", arn, `must be IAM role or user ARNs such as '${example}'.`);
        }
        if (partition !== undefined && match[1] !== partition) {
            throw new ConfigError(
                "adminRoleArns",
                arn,
                `is in partition ${match[1]} but aws:region ${region} is in ${partition}; use ARNs such as '${example}'.`,
            );
        }
    }
    apiPublicAccessCidrs.forEach((cidr) => validateCidr("apiPublicAccessCidrs", cidr));
}

export function validateEndpoint(
    v: Pick<ConfigValues, "endpointScheme" | "endpointAllowedCidrs" | "endpointCertificateArn">,
    region: string | undefined,
): void {
    v.endpointAllowedCidrs.forEach((cidr) => validateCidr("endpointAllowedCidrs", cidr));
    if (v.endpointScheme === "internet-facing" && v.endpointAllowedCidrs.length === 0) {
        throw new ConfigError(
            "endpointAllowedCidrs",
            v.endpointAllowedCidrs,
            'an internet-facing endpoint needs a client allowlist, such as ["203.0.113.0/24"].',
        );
    }
    if (v.endpointCertificateArn !== "" && region !== undefined) {
        const arn = new RegExp(`^arn:${partitionOfRegion(region)}:acm:${region}:\\d{12}:certificate/[0-9a-f-]{36}$`);
        if (!arn.test(v.endpointCertificateArn)) {
            throw new ConfigError(
                "endpointCertificateArn",
                v.endpointCertificateArn,
                `must be an ACM certificate ARN in ${region}, such as 'arn:${partitionOfRegion(region)}:acm:${region}:123456789012:certificate/<uuid>', or empty.`,
            );
        }
    }
}
