/**
 * Cloud hardening (issue 14, item 4) as the plans register it: IMDSv2 with hop limit 1 and an
 * encrypted root volume on every node group's launch template, control-plane logging, KMS
 * envelope encryption of secrets, a private-only API endpoint on request, and ARNs in the
 * partition of the region.
 */
import * as assert from "assert";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const EKS_CLUSTER = "eks:index:Cluster";
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/test-key";

interface Template {
    metadataOptions?: { httpTokens?: string; httpPutResponseHopLimit?: number; httpEndpoint?: string };
    blockDeviceMappings?: { deviceName: string; ebs?: { encrypted?: string; volumeType?: string } }[];
}

/** The launch template each node group names (every node group must name one). */
function templatesOf(p: StackPlan): { group: PlannedResource; template: Template }[] {
    return p.resources(NODE_GROUP).map((group) => {
        const id = (group.inputs.launchTemplate as { id?: string } | undefined)?.id;
        assert.ok(id, `${group.name} has no launch template of its own (pulumi-eks's has hop limit 2)`);
        const template = p.resources(TEMPLATE).find((t) => p.idOf(t) === id);
        assert.ok(template, `${group.name}: launch template ${id} not planned`);
        for (const key of ["enableIMDSv2", "enableEfaSupport", "diskSize", "nodeadmExtraOptions"]) {
            assert.strictEqual(group.inputs[key], undefined, `${group.name} sets ${key}, which makes pulumi-eks build its own template`);
        }
        return { group, template: template.inputs as Template };
    });
}

const VARIANTS: [string, string, string[]][] = [
    ["dev", "dev", []],
    ["llama31-pd (EFA)", "llama31-pd", []],
    ["llama31-pd dynamo", "llama31-pd", ["graph=dynamo"]],
    ["llama31-pd in a Capacity Block", "llama31-pd", ["gpuCapacityType=CAPACITY_BLOCK", "gpuCapacityReservationId=cr-0123456789abcdef0"]],
    ["dev from an ODCR", "dev", ["gpuCapacityReservationId=cr-0123456789abcdef0"]],
];

describe("cloud security: every node", () => {
    for (const [label, stack, sets] of VARIANTS) {
        it(`${label}: IMDSv2 required, hop limit 1, encrypted gp3 root volume on every node group`, async () => {
            const p = await planStack(stack, sets, { distinctIds: true });
            const found = templatesOf(p);
            assert.strictEqual(found.length, 2, "system and GPU node groups");
            for (const { group, template } of found) {
                assert.strictEqual(template.metadataOptions?.httpTokens, "required", group.name);
                assert.strictEqual(template.metadataOptions?.httpPutResponseHopLimit, 1, group.name);
                const root = template.blockDeviceMappings?.find((b) => b.deviceName === "/dev/xvda");
                assert.strictEqual(root?.ebs?.encrypted, "true", `${group.name} root volume`);
                assert.strictEqual(root?.ebs?.volumeType, "gp3", group.name);
            }
        });
    }
});

describe("cloud security: the control plane", () => {
    let p: StackPlan;
    let cluster: PlannedResource;
    before(async () => {
        p = await planStack("llama31-pd", [], { distinctIds: true, state: { "aws:kms/key:Key": { arn: KEY_ARN } } });
        cluster = p.only(EKS_CLUSTER);
    });

    it("logs api, audit and authenticator by default", () => {
        const types = cluster.inputs.enabledClusterLogTypes as string[];
        for (const t of ["api", "audit", "authenticator"]) {
            assert.ok(types.includes(t), `${t} in ${types.join(",")}`);
        }
    });

    it("controlPlaneLogTypes chooses the log types; empty turns logging off", async () => {
        const all = await planStack("dev", ["controlPlaneLogTypes=api,audit,authenticator,controllerManager,scheduler"]);
        assert.strictEqual((all.only(EKS_CLUSTER).inputs.enabledClusterLogTypes as string[]).length, 5);
        const none = await planStack("dev", ["controlPlaneLogTypes=[]"]);
        assert.deepStrictEqual(none.only(EKS_CLUSTER).inputs.enabledClusterLogTypes, []);
    });

    it("envelope-encrypts secrets with a rotated KMS key of the stack, which the cluster role may use", () => {
        const key = p.only("aws:kms/key:Key");
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        assert.strictEqual(cluster.inputs.encryptionConfigKeyArn, KEY_ARN);
        const role = cluster.inputs.serviceRole as { resource: string };
        assert.strictEqual(role.resource, "aws:iam/role:Role::cluster-cluster");
        const grant = p.resource("aws:iam/rolePolicy:RolePolicy", "cluster-cluster-secrets-key");
        const statement = (JSON.parse(grant.inputs.policy as string) as { Statement: { Action: string[] }[] }).Statement[0];
        assert.ok(statement.Action.includes("kms:Decrypt") && statement.Action.includes("kms:CreateGrant"));
        assert.strictEqual((statement as unknown as { Resource: string }).Resource, KEY_ARN);
        const attached = p.resources("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
        assert.ok(attached.includes("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"));
    });

    it("keeps a public endpoint limited to apiPublicAccessCidrs", async () => {
        const narrowed = await planStack("dev", ["apiPublicAccessCidrs=203.0.113.0/24"]);
        const inputs = narrowed.only(EKS_CLUSTER).inputs;
        assert.strictEqual(inputs.endpointPublicAccess, true);
        assert.deepStrictEqual(inputs.publicAccessCidrs, ["203.0.113.0/24"]);
    });

    it("an empty apiPublicAccessCidrs makes the API endpoint private only", async () => {
        const priv = await planStack("dev", ["apiPublicAccessCidrs=[]"]);
        const inputs = priv.only(EKS_CLUSTER).inputs;
        assert.strictEqual(inputs.endpointPublicAccess, false);
        assert.strictEqual(inputs.endpointPrivateAccess, true);
        assert.strictEqual(inputs.publicAccessCidrs, undefined, "pulumi-eks rejects publicAccessCidrs without public access");
    });
});

describe("cloud security: partition-aware ARNs", () => {
    const regions: [string, string, string[]][] = [
        ["aws-cn", "cn-northwest-1", ["availabilityZones=cn-northwest-1a,cn-northwest-1b", "gpuAvailabilityZone=cn-northwest-1a"]],
        ["aws-us-gov", "us-gov-west-1", ["availabilityZones=us-gov-west-1a,us-gov-west-1b", "gpuAvailabilityZone=us-gov-west-1a"]],
    ];
    for (const [partition, region, sets] of regions) {
        it(`${region}: every ARN the plan writes is in ${partition}, none in aws`, async () => {
            const p = await planStack("dev", [`aws:region=${region}`, ...sets]);
            const text = JSON.stringify(p.plan);
            const arns = text.match(/arn:[a-z-]+:/g) ?? [];
            assert.ok(arns.length >= 8, `managed policies, access and LB policy ARNs: ${arns.length}`);
            assert.deepStrictEqual([...new Set(arns)], [`arn:${partition}:`]);
        });
    }
});
