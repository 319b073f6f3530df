/** Region, VPC, subnets, CIDRs, capacity reservations, cluster access and the endpoint. */
import { parseCidr } from "../cidr";
import { ConfigError } from "../errors";
import { ConfigValues } from "../schema";

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

const IAM_PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

const CAPACITY_RESERVATION_ID = /^cr-[0-9a-f]{8,17}$/;

export function validateRegion(region: string | undefined): string {
    if (!region || !REGION.test(region)) {
        throw new ConfigError("aws:region", region, "must be an AWS region such as 'us-east-1' (pulumi config set aws:region us-east-1).");
    }
    return region;
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
export function validateCapacity(v: Pick<ConfigValues, "gpuCapacityType" | "gpuCapacityReservationId" | "vpcId" | "gpuSubnetIds">): void {
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
    if (v.vpcId !== "" && v.gpuCapacityReservationId !== "" && v.gpuSubnetIds.length === 0) {
        throw new ConfigError(
            "gpuSubnetIds",
            v.gpuSubnetIds,
            "with vpcId and a capacity reservation, list the private subnet(s) of gpuAvailabilityZone: nodes launched in another zone cannot use the reservation.",
        );
    }
}

export function validateAccess(adminRoleArns: string[], apiPublicAccessCidrs: string[]): void {
    for (const arn of adminRoleArns) {
        if (!IAM_PRINCIPAL_ARN.test(arn)) {
            throw new ConfigError("adminRoleArns", arn, "must be IAM role or user ARNs such as 'arn:aws:iam::123456789012:role/Admin'.");
        }
    }
    if (apiPublicAccessCidrs.length === 0) {
        throw new ConfigError(
            "apiPublicAccessCidrs",
            apiPublicAccessCidrs,
            "must list at least one CIDR: pulumi needs to reach the cluster API.",
        );
    }
    apiPublicAccessCidrs.forEach((cidr) => validateCidr("apiPublicAccessCidrs", cidr));
}

export function validateEndpoint(endpointScheme: string, endpointAllowedCidrs: string[]): void {
    endpointAllowedCidrs.forEach((cidr) => validateCidr("endpointAllowedCidrs", cidr));
    if (endpointScheme === "internet-facing" && endpointAllowedCidrs.length === 0) {
        throw new ConfigError(
            "endpointAllowedCidrs",
            endpointAllowedCidrs,
            'an internet-facing endpoint needs a client allowlist, such as ["203.0.113.0/24"].',
        );
    }
}
