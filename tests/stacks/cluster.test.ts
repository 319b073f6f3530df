/**
 * components/cluster.ts: the EKS cluster and its system node group, as the program registers
 * them. Access, API exposure, NetworkPolicy enforcement and the secret kubeconfig are what
 * users depend on.
 */
import * as assert from "assert";
import { SECRET_PLACEHOLDER } from "../../plan/offline/mocks";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const EKS_CLUSTER = "eks:index:Cluster";
const ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

interface AccessEntry {
    principalArn: string;
    accessPolicies?: Record<string, { policyArn: string; accessScope: { type: string } }>;
}

describe("cluster: EKS cluster and system node group", () => {
    const admins = ["arn:aws:iam::123456789012:role/PlatformAdmin", "arn:aws:iam::123456789012:user/alice"];
    const apiCidrs = ["203.0.113.0/24", "198.51.100.7/32"];
    const sets = [
        `adminRoleArns=${admins.join(",")}`,
        `apiPublicAccessCidrs=${apiCidrs.join(",")}`,
        "kubernetesVersion=1.36",
        "systemInstanceType=m6i.xlarge",
        "systemNodeCount=4",
    ];
    let dev: StackPlan;
    let llama: StackPlan;
    let cluster: PlannedResource;
    let system: PlannedResource;
    before(async () => {
        dev = await planStack("dev", sets);
        llama = await planStack("llama31-pd");
        cluster = dev.only(EKS_CLUSTER);
        system = dev.nodeGroup("system");
    });

    it("names the cluster pd-serving-<stack>", () => {
        assert.strictEqual(cluster.inputs.name, "pd-serving-dev");
        assert.strictEqual(llama.only(EKS_CLUSTER).inputs.name, "pd-serving-llama31-pd");
        assert.strictEqual(llama.plan.outputs.clusterName, "pd-serving-llama31-pd");
    });

    it("pins the Kubernetes version from kubernetesVersion", () => {
        assert.strictEqual(cluster.inputs.version, "1.36");
        assert.strictEqual(llama.only(EKS_CLUSTER).inputs.version, llama.plan.config.kubernetesVersion);
    });

    it("uses API access entries, an OIDC provider and no default node group", () => {
        assert.strictEqual(cluster.inputs.authenticationMode, "API");
        assert.strictEqual(cluster.inputs.createOidcProvider, true);
        assert.strictEqual(cluster.inputs.skipDefaultNodeGroup, true);
    });

    it("limits the public API endpoint to apiPublicAccessCidrs", () => {
        assert.deepStrictEqual(cluster.inputs.publicAccessCidrs, apiCidrs);
        assert.deepStrictEqual(llama.only(EKS_CLUSTER).inputs.publicAccessCidrs, llama.plan.config.apiPublicAccessCidrs);
    });

    it("gives each adminRoleArns principal cluster-admin through an access entry", () => {
        const entries = Object.values(cluster.inputs.accessEntries as Record<string, AccessEntry>);
        assert.deepStrictEqual(entries.map((e) => e.principalArn).sort(), [...admins].sort());
        for (const entry of entries) {
            const policies = Object.values(entry.accessPolicies ?? {});
            assert.ok(
                policies.some((p) => p.policyArn === ADMIN_POLICY && p.accessScope.type === "cluster"),
                `${entry.principalArn}: ${JSON.stringify(policies)}`,
            );
        }
        assert.deepStrictEqual(
            Object.values(llama.only(EKS_CLUSTER).inputs.accessEntries as object),
            [],
            "no admins configured, no entries",
        );
    });

    it("enables the VPC CNI network policy agent (NetworkPolicies are enforced)", () => {
        assert.strictEqual((cluster.inputs.vpcCniOptions as { enableNetworkPolicy?: boolean }).enableNetworkPolicy, true);
    });

    it("runs the system node group on AL2023 with IMDSv2, labelled pool=system, untainted", () => {
        assert.strictEqual(system.inputs.amiType, "AL2023_x86_64_STANDARD");
        const template = dev.resource("aws:ec2/launchTemplate:LaunchTemplate", "cluster-system").inputs as {
            metadataOptions: { httpTokens: string; httpPutResponseHopLimit: number };
        };
        assert.strictEqual(template.metadataOptions.httpTokens, "required");
        assert.strictEqual((system.inputs.labels as Record<string, string>)["pd-serving/node-pool"], "system");
        assert.deepStrictEqual(system.inputs.taints ?? [], []);
        assert.deepStrictEqual(system.inputs.instanceTypes, ["m6i.xlarge"]);
        assert.strictEqual(system.inputs.clusterName, cluster.inputs.name);
        assert.ok(system.dependsOn.includes(`${EKS_CLUSTER}::${cluster.name}`), "created after the cluster, deleted before it");
    });

    it("puts the system nodes in the private subnets only (a node in a public subnet has no public IP and no way out)", async () => {
        const p = await planStack("dev", [], { distinctIds: true });
        const subnets = p.resources("aws:ec2/subnet:Subnet");
        const privateIds = subnets
            .filter((s) => (s.inputs.tags as Record<string, string>)["kubernetes.io/role/internal-elb"] === "1")
            .map((s) => p.idOf(s));
        assert.strictEqual(privateIds.length, 3);
        assert.deepStrictEqual([...(p.nodeGroup("system").inputs.subnetIds as string[])].sort(), privateIds.sort());
    });

    it("sizes the system node group from systemNodeCount (never below it)", () => {
        const scaling = system.inputs.scalingConfig as { minSize: number; desiredSize: number; maxSize: number };
        assert.strictEqual(scaling.desiredSize, 4);
        assert.strictEqual(scaling.minSize, 4);
        assert.ok(scaling.maxSize >= 4);
        assert.strictEqual(dev.plan.summary.systemNodes, 4);
        const llamaScaling = llama.nodeGroup("system").inputs.scalingConfig as { desiredSize: number };
        assert.strictEqual(llamaScaling.desiredSize, llama.plan.config.systemNodeCount);
    });

    it("exports the kubeconfig only as a secret", () => {
        assert.strictEqual(dev.plan.outputs.kubeconfig, SECRET_PLACEHOLDER);
        assert.strictEqual(llama.plan.outputs.kubeconfig, SECRET_PLACEHOLDER);
    });

    it("hands the Kubernetes provider the kubeconfig as a secret", () => {
        const provider = dev.only("pulumi:providers:kubernetes");
        assert.strictEqual(provider.inputs.kubeconfig, SECRET_PLACEHOLDER);
    });
});
