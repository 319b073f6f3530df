/**
 * Names the program derives from the project and stack name, against the limits of the services
 * that receive them. The cluster name is `<project>-<stack>`; from it come the EKS cluster name,
 * the node group names `<cluster>-system` / `<cluster>-gpu` (which EKS also writes into the node
 * label `eks.amazonaws.com/nodegroup`, a Kubernetes label value), the subnet tag
 * `kubernetes.io/cluster/<cluster>` and the load balancer controller's `clusterName`. IAM role and
 * policy names are auto-named by Pulumi from resource names, not from the stack.
 */
import { ConfigError } from "../errors";

/** EKS CreateCluster: 1-100 characters, [0-9A-Za-z][A-Za-z0-9-_]* (EKS API reference, CreateCluster name). */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]*$/;
export const EKS_CLUSTER_NAME_MAX = 100;
/**
 * EKS node group names: at most 63 characters, starting with a letter or digit, then letters,
 * digits, hyphens and underscores (aws.eks.NodeGroup nodeGroupName docs); the same name becomes
 * the node label value eks.amazonaws.com/nodegroup, which Kubernetes limits to 63 characters.
 */
export const NODE_GROUP_NAME_MAX = 63;
/** The longest suffix the program appends to the cluster name for a node group. */
export const NODE_GROUP_SUFFIXES = ["-system", "-gpu"] as const;
/** AWS tag keys: at most 128 characters (the subnet tag kubernetes.io/cluster/<cluster>). */
export const TAG_KEY_MAX = 128;

/** The longest cluster name every derived name accepts. */
export function maxClusterNameLength(): number {
    const longestSuffix = Math.max(...NODE_GROUP_SUFFIXES.map((s) => s.length));
    return Math.min(EKS_CLUSTER_NAME_MAX, NODE_GROUP_NAME_MAX - longestSuffix, TAG_KEY_MAX - "kubernetes.io/cluster/".length);
}

export function validateDerivedNames(project: string, stack: string): void {
    const clusterName = `${project}-${stack}`;
    if (!EKS_CLUSTER_NAME.test(clusterName)) {
        throw new ConfigError(
            "stack",
            stack,
            `gives the EKS cluster name ${JSON.stringify(clusterName)}, but EKS allows only letters, digits, '-' and '_' (starting with a letter or digit); rename the stack.`,
        );
    }
    const max = maxClusterNameLength();
    if (clusterName.length > max) {
        throw new ConfigError(
            "stack",
            stack,
            `gives the cluster name ${JSON.stringify(clusterName)} (${clusterName.length} characters); its node group names (${NODE_GROUP_SUFFIXES.map((s) => `<cluster>${s}`).join(", ")}) ` +
                `must fit EKS's ${NODE_GROUP_NAME_MAX}, so the cluster name may have at most ${max}: use a stack name of at most ${max - project.length - 1} characters.`,
        );
    }
}
