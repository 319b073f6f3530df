/**
 * components/storage.ts: etcd and NATS JetStream keep their data on EBS volumes. EKS clusters
 * have no default StorageClass, so without the EBS CSI driver (with IAM to create volumes) and a
 * default gp3 class their PVCs stay Pending; without WaitForFirstConsumer a volume is created in
 * a zone its pod cannot run in.
 */
import * as assert from "assert";
import { asK8s, asObject, K8sObject } from "../helpers/k8sSchema";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const ADDON = "aws:eks/addon:Addon";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const COMPONENT = "pd-serving:platform:Storage::storage";
const OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210";
const OIDC_PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${OIDC_ISSUER}`;

interface TrustPolicy {
    Statement: { Effect: string; Principal: Record<string, string>; Action: string; Condition: Record<string, Record<string, string>> }[];
}

function storageClasses(p: StackPlan): K8sObject[] {
    return asK8s(p.manifests()).filter((o) => o.kind === "StorageClass");
}

describe("storage: EBS CSI driver and the gp3 StorageClass (llama31-pd, graph=dynamo, dynamoDiscovery=etcd)", () => {
    let p: StackPlan;
    let addon: PlannedResource;
    let gp3: K8sObject;
    before(async () => {
        p = await planStack("llama31-pd", ["graph=dynamo", "dynamoDiscovery=etcd"], {
            state: { "eks:index:Cluster": { oidcProviderArn: OIDC_PROVIDER_ARN, oidcIssuer: OIDC_ISSUER } },
        });
        addon = p.resource(ADDON, "storage-ebs-csi");
        gp3 = asObject(p.manifest("StorageClass", "gp3"));
    });

    it("installs the aws-ebs-csi-driver EKS add-on on this cluster, with an IRSA role", () => {
        assert.strictEqual(addon.inputs.addonName, "aws-ebs-csi-driver");
        assert.strictEqual(addon.inputs.clusterName, p.only("eks:index:Cluster").inputs.name);
        assert.strictEqual(addon.parent, COMPONENT);
        // The mocks give role ARNs as "<known after up>": present, and an output of the role.
        assert.strictEqual(addon.inputs.serviceAccountRoleArn, "<known after up>");
    });

    it("runs the EBS CSI controller on the system nodes", () => {
        const values = JSON.parse(addon.inputs.configurationValues as string) as { controller?: { nodeSelector?: Record<string, string> } };
        assert.deepStrictEqual(values.controller?.nodeSelector, { "pd-serving/node-pool": "system" });
        const systemLabels = p.nodeGroup("system").inputs.labels as Record<string, string>;
        assert.strictEqual(systemLabels["pd-serving/node-pool"], "system");
    });

    it("its role trusts only kube-system:ebs-csi-controller-sa through the cluster's OIDC provider, audience sts", () => {
        assert.strictEqual(p.stateOverrideHits["eks:index:Cluster"], 1);
        const role = p.resource(ROLE, "storage-ebs-csi");
        assert.strictEqual(role.parent, COMPONENT);
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as TrustPolicy;
        assert.strictEqual(trust.Statement.length, 1);
        const [statement] = trust.Statement;
        assert.strictEqual(statement.Effect, "Allow");
        assert.deepStrictEqual(statement.Principal, { Federated: OIDC_PROVIDER_ARN });
        assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepStrictEqual(statement.Condition, {
            StringEquals: {
                [`${OIDC_ISSUER}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                [`${OIDC_ISSUER}:aud`]: "sts.amazonaws.com",
            },
        });
    });

    it("its role has the AWS-managed EBS CSI driver policy", () => {
        const attached = p
            .resources(ATTACHMENT)
            .filter((r) => r.parent === COMPONENT)
            .map((r) => r.inputs.policyArn);
        assert.deepStrictEqual(attached, ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
    });

    it("gp3 is the one default StorageClass of the plan", () => {
        const defaults = storageClasses(p).filter(
            (sc) => sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
        );
        assert.deepStrictEqual(
            defaults.map((sc) => sc.metadata.name),
            ["gp3"],
        );
    });

    it("gp3 provisions encrypted gp3 EBS volumes through the CSI driver", () => {
        assert.strictEqual(gp3.provisioner, "ebs.csi.aws.com");
        const parameters = gp3.parameters as Record<string, string>;
        assert.strictEqual(parameters.type, "gp3");
        assert.strictEqual(parameters.encrypted, "true");
    });

    it("gp3 binds a volume only when its pod is scheduled (WaitForFirstConsumer), so it is created in the pod's zone", () => {
        assert.strictEqual(gp3.volumeBindingMode, "WaitForFirstConsumer");
    });

    it("gp3 deletes volumes with their claims and allows expansion", () => {
        assert.strictEqual(gp3.reclaimPolicy, "Delete");
        assert.strictEqual(gp3.allowVolumeExpansion, true);
    });

    it("every persistent volume claim of the plan (etcd, NATS JetStream) uses gp3", () => {
        const claims: string[] = [];
        for (const o of asK8s(p.manifests())) {
            for (const t of o.spec?.volumeClaimTemplates ?? []) {
                claims.push(`${o.kind}/${o.metadata.name}/${t.metadata.name}=${t.spec.storageClassName}`);
            }
        }
        const nats = p.resource("kubernetes:helm.sh/v3:Release", "nats").inputs.values as {
            config: { jetstream: { fileStore: { pvc: { storageClassName: string } } } };
        };
        claims.push(`nats/js=${nats.config.jetstream.fileStore.pvc.storageClassName}`);
        assert.deepStrictEqual(claims, ["StatefulSet/etcd/data=gp3", "nats/js=gp3"]);
    });
});

describe("storage: also without Dynamo (dev)", () => {
    it("dev has the add-on and the default gp3 StorageClass too", async () => {
        const dev = await planStack("dev");
        assert.strictEqual(dev.resource(ADDON, "storage-ebs-csi").inputs.addonName, "aws-ebs-csi-driver");
        assert.deepStrictEqual(
            storageClasses(dev).map((sc) => sc.metadata.name),
            ["gp3"],
        );
    });
});
