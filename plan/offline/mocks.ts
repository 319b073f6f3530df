/**
 * Pulumi mocks shared by the offline plan and the tests. They record every registered resource
 * with its parent and return, for values that only exist after `pulumi up`, the KNOWN_AFTER_UP
 * placeholder instead of invented ones. An invoke the program has no business making throws.
 */
import * as pulumi from "@pulumi/pulumi";

export const KNOWN_AFTER_UP = "<known after up>";
export const SECRET_PLACEHOLDER = "<secret>";

/** The wire form of a secret input: `{ <sig key>: <secret sig>, value }`. */
function isSecretValue(value: unknown): boolean {
    return (
        value !== null &&
        typeof value === "object" &&
        (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
    );
}

/** A resource the program registered on the mocks, with its inputs and parent. */
export interface RecordedResource {
    type: string;
    name: string;
    /** `type::name` of the parent resource, or undefined at the top. */
    parent?: string;
    custom: boolean;
    inputs: Record<string, unknown>;
    /** `type::name` of every resource it depends on (dependsOn and inputs), sorted; destroy runs in reverse. */
    dependencies: string[];
}

/** Outputs of remote components (eks) and computed fields the program reads. */
const COMPUTED_OUTPUTS: Record<string, string[]> = {
    "eks:index:Cluster": [
        "kubeconfig",
        "kubeconfigJson",
        "oidcProviderArn",
        "oidcProviderUrl",
        "oidcIssuer",
        "clusterSecurityGroupId",
        "nodeSecurityGroupId",
    ],
    "aws:iam/role:Role": ["arn", "name", "uniqueId"],
    "aws:iam/policy:Policy": ["arn"],
    "aws:eks/addon:Addon": ["arn", "addonVersion"],
    "aws:ec2/securityGroup:SecurityGroup": ["arn"],
    "random:index/randomPassword:RandomPassword": ["result"],
    "aws:kms/key:Key": ["arn", "keyId"],
    "aws:ec2/placementGroup:PlacementGroup": ["name"],
    "aws:s3/bucket:Bucket": ["arn", "bucket"],
    "aws:amp/workspace:Workspace": ["arn", "prometheusEndpoint"],
};

function computedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const state: Record<string, unknown> = { ...inputs };
    for (const key of COMPUTED_OUTPUTS[type] ?? []) {
        if (state[key] === undefined) {
            state[key] = KNOWN_AFTER_UP;
        }
    }
    if (type === "eks:index:Cluster") {
        // The aws.eks.Cluster inside the remote component, as far as the program reads it.
        state.eksCluster = { name: inputs.name, vpcConfig: { clusterSecurityGroupId: KNOWN_AFTER_UP } };
    }
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") {
        state.latestVersion = KNOWN_AFTER_UP;
    }
    if (type === "kubernetes:core/v1:Service" && (inputs.spec as { type?: string } | undefined)?.type === "LoadBalancer") {
        state.status = { loadBalancer: { ingress: [{ hostname: KNOWN_AFTER_UP }] } };
    }
    return state;
}

export class PlanMocks implements pulumi.runtime.Mocks {
    public readonly resources: RecordedResource[] = [];
    /** Parent URN of each `type::name`, captured from the monitor's registration requests. */
    public readonly parents = new Map<string, string>();
    /** Dependency URNs of each `type::name`, captured from the same requests. */
    public readonly dependencies = new Map<string, string[]>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const parentUrn = this.parents.get(`${args.type}::${args.name}`);
        this.resources.push({
            type: args.type,
            name: args.name,
            parent: parentUrn ? urnToRef(parentUrn) : undefined,
            custom: args.custom ?? false,
            inputs: plainInputs(args.inputs) as Record<string, unknown>,
            dependencies: [...new Set((this.dependencies.get(`${args.type}::${args.name}`) ?? []).map(urnToRef))].sort(),
        });
        return { id: args.custom ? KNOWN_AFTER_UP : undefined, state: computedState(args.type, args.inputs) };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        // An existing VPC's CIDR (internal load balancers admit it): read at deploy time.
        if (args.token === "aws:ec2/getVpc:getVpc") {
            return { id: args.inputs.id, cidrBlock: KNOWN_AFTER_UP };
        }
        throw new Error(`the program made an invoke the offline plan does not know: ${args.token}`);
    }
}

/** Inputs as plain data: a resource passed as an input becomes `{ resource: "type::name" }`. */
export function plainInputs(value: unknown): unknown {
    if (isSecretValue(value)) {
        // A secret map (a Secret's stringData) keeps its keys, so references to them can be followed.
        const inner = (value as { value?: unknown }).value;
        return inner !== null && typeof inner === "object" && !Array.isArray(inner)
            ? Object.fromEntries(Object.keys(inner).map((k) => [k, SECRET_PLACEHOLDER]))
            : SECRET_PLACEHOLDER;
    }
    if (pulumi.Resource.isInstance(value)) {
        const resource = value as unknown as { __pulumiType: string; __name: string };
        return { resource: `${resource.__pulumiType}::${resource.__name}` };
    }
    if (Array.isArray(value)) {
        return value.map(plainInputs);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainInputs(v)]));
    }
    return value;
}

/** `urn:pulumi:stack::project::a$b$type::name` -> `type::name`. */
export function urnToRef(urn: string): string {
    const parts = urn.split("::");
    const type = parts[2].split("$").pop()!;
    return `${type}::${parts.slice(3).join("::")}`;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
}

/**
 * Installs the mocks (preview false, so every apply runs) and taps the mock monitor so each
 * recorded resource knows its parent and dependencies (MockResourceArgs carries neither).
 */
export async function installMocks(mocks: PlanMocks, project: string, stack: string): Promise<void> {
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: unknown) => void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequest, callback: unknown) => {
        const ref = `${req.getType()}::${req.getName()}`;
        if (req.getParent()) {
            mocks.parents.set(ref, req.getParent());
        }
        mocks.dependencies.set(ref, req.getDependenciesList());
        register(req, callback);
    };
}
