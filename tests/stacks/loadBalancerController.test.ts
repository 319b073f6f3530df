/**
 * components/loadBalancerController.ts, loadBalancerControllerPolicy.ts and irsa.ts: the AWS Load
 * Balancer Controller turns the endpoint Service into an NLB. It needs the pinned chart on the
 * system nodes, its cluster/region/VPC given explicitly, an IAM role that only its service
 * account can assume, and an IAM policy that lets it create and tag load balancers.
 */
import * as assert from "assert";
import { asK8s } from "../helpers/k8sSchema";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ROLE = "aws:iam/role:Role";
const COMPONENT = "pd-serving:platform:LoadBalancerController::aws-load-balancer-controller";
/** What the eks component would return after `pulumi up`, so the trust policy can be checked. */
const OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
const OIDC_PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${OIDC_ISSUER}`;

interface ControllerValues {
    clusterName?: string;
    region?: string;
    vpcId?: string;
    replicaCount?: number;
    nodeSelector?: Record<string, string>;
    podDisruptionBudget?: Record<string, unknown>;
    enableServiceMutatorWebhook?: boolean;
    serviceAccount?: { create?: boolean; name?: string; annotations?: Record<string, string> };
}
interface Statement {
    Effect: string;
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string>;
    Condition?: Record<string, Record<string, string | string[]>>;
}
interface PolicyDocument {
    Version: string;
    Statement: Statement[];
}

const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe("loadBalancerController: llama31-pd", () => {
    let p: StackPlan;
    let release: PlannedResource;
    let values: ControllerValues;
    let policy: PolicyDocument;
    let trust: PolicyDocument;
    before(async () => {
        p = await planStack("llama31-pd", [], {
            distinctIds: true,
            state: { "eks:index:Cluster": { oidcProviderArn: OIDC_PROVIDER_ARN, oidcIssuer: OIDC_ISSUER } },
        });
        release = p.resource(RELEASE, "aws-load-balancer-controller");
        values = release.inputs.values as ControllerValues;
        policy = JSON.parse(p.resource("aws:iam/policy:Policy", "aws-load-balancer-controller").inputs.policy as string) as PolicyDocument;
        trust = JSON.parse(p.resource(ROLE, "aws-load-balancer-controller").inputs.assumeRolePolicy as string) as PolicyDocument;
    });

    it("the eks component's OIDC outputs reached the program (else the trust policy tests prove nothing)", () => {
        assert.strictEqual(p.stateOverrideHits["eks:index:Cluster"], 1);
    });

    it("installs aws-load-balancer-controller 3.5.0 from the eks-charts repository into kube-system", () => {
        assert.strictEqual(release.inputs.chart, "aws-load-balancer-controller");
        assert.strictEqual(release.inputs.version, "3.5.0");
        assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://aws.github.io/eks-charts" });
        assert.strictEqual(release.inputs.namespace, "kube-system");
        assert.strictEqual(release.parent, COMPONENT);
    });

    it("is told the cluster name, region and VPC id (no IMDS lookups)", () => {
        assert.strictEqual(values.clusterName, p.only("eks:index:Cluster").inputs.name);
        assert.strictEqual(values.clusterName, "pd-serving-llama31-pd");
        assert.strictEqual(values.region, "us-east-1");
        assert.strictEqual(values.region, p.planConfig.config["aws:region"]);
        assert.strictEqual(values.vpcId, p.idOf(p.only("aws:ec2/vpc:Vpc")), "the VPC the program created");
    });

    it("runs on the system nodes with 2 replicas and a PodDisruptionBudget", () => {
        assert.deepStrictEqual(values.nodeSelector, { "pd-serving/node-pool": "system" });
        assert.strictEqual(values.replicaCount, 2);
        assert.deepStrictEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
    });

    it("turns the Service mutator webhook off (it fails every Service CREATE while the controller is down)", () => {
        assert.strictEqual(values.enableServiceMutatorWebhook, false);
    });

    it("creates its service account with the IRSA role annotation", () => {
        assert.strictEqual(values.serviceAccount?.create, true);
        assert.strictEqual(values.serviceAccount?.name, "aws-load-balancer-controller");
        const annotations = values.serviceAccount?.annotations ?? {};
        assert.deepStrictEqual(Object.keys(annotations), ["eks.amazonaws.com/role-arn"]);
        // The mocks give every role ARN as "<known after up>": the annotation is the role's output.
        assert.strictEqual(annotations["eks.amazonaws.com/role-arn"], "<known after up>");
    });

    it("its IAM role trusts only that service account through the cluster's OIDC provider, for audience sts", () => {
        assert.strictEqual(p.resource(ROLE, "aws-load-balancer-controller").parent, COMPONENT);
        assert.strictEqual(trust.Version, "2012-10-17");
        assert.strictEqual(trust.Statement.length, 1);
        const [statement] = trust.Statement;
        assert.strictEqual(statement.Effect, "Allow");
        assert.deepStrictEqual(statement.Principal, { Federated: OIDC_PROVIDER_ARN });
        assert.deepStrictEqual(actions(statement), ["sts:AssumeRoleWithWebIdentity"]);
        assert.deepStrictEqual(statement.Condition, {
            StringEquals: {
                [`${OIDC_ISSUER}:sub`]: `system:serviceaccount:kube-system:${values.serviceAccount?.name}`,
                [`${OIDC_ISSUER}:aud`]: "sts.amazonaws.com",
            },
        });
    });

    it("attaches its own policy to the role (one attachment, in the component)", () => {
        const attachments = p.resources("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((r) => r.parent === COMPONENT);
        assert.strictEqual(attachments.length, 1);
        assert.strictEqual(p.resource("aws:iam/policy:Policy", "aws-load-balancer-controller").parent, COMPONENT);
    });

    it("may create load balancers and target groups only when tagged with the cluster tag", () => {
        const create = policy.Statement.filter((s) => actions(s).includes("elasticloadbalancing:CreateLoadBalancer"));
        assert.strictEqual(create.length, 1);
        assert.strictEqual(create[0].Effect, "Allow");
        assert.ok(actions(create[0]).includes("elasticloadbalancing:CreateTargetGroup"));
        assert.deepStrictEqual(create[0].Condition, { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
    });

    it("may delete and modify only load balancers carrying the cluster tag", () => {
        const del = policy.Statement.filter((s) => actions(s).includes("elasticloadbalancing:DeleteLoadBalancer"));
        assert.strictEqual(del.length, 1);
        assert.deepStrictEqual(del[0].Condition, { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } });
    });

    it("may describe what it discovers (subnets, security groups, VPCs, load balancers) and register targets", () => {
        const allowed = new Set(policy.Statement.filter((s) => s.Effect === "Allow" && !s.Condition).flatMap(actions));
        for (const action of [
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcs",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:GetSecurityGroupsForVpc",
            "ec2:CreateSecurityGroup",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
        ]) {
            assert.ok(allowed.has(action), `${action} is allowed`);
        }
    });

    it("grants no wildcard actions and denies nothing", () => {
        for (const statement of policy.Statement) {
            assert.strictEqual(statement.Effect, "Allow");
            for (const action of actions(statement)) {
                assert.match(action, /^[a-z0-9-]+:[A-Za-z]+$/, `${action} names one action`);
            }
        }
    });

    it("every LoadBalancer Service is for this controller: NLB class, IP targets, the configured scheme", () => {
        const services = asK8s(p.manifests()).filter((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer");
        assert.ok(services.length > 0, "the plan exposes an endpoint");
        for (const service of services) {
            assert.strictEqual(service.spec?.loadBalancerClass, "service.k8s.aws/nlb", service.metadata.name);
            const annotations = service.metadata.annotations ?? {};
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
            assert.strictEqual(annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], p.plan.config.endpointScheme);
        }
    });
});
