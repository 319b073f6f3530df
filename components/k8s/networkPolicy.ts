/**
 * NetworkPolicy builders: a namespace's default deny, DNS for every pod, and one policy per
 * workload listing exactly who may reach it and whom it may reach. Enforced by the VPC CNI's
 * network policy agent (kubelet probes from the node are always allowed by it).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/** A peer of a rule: pods of this namespace by labels, pods of another namespace, or addresses. */
export type Peer =
    | { readonly pods: Record<string, string> }
    | { readonly namespace: string; readonly pods?: Record<string, string> }
    | { readonly cidr: string };

/** One rule: these peers on these ports (numbers or container port names; none = every port). */
export interface TrafficRule {
    /** Who (ingress) or whom (egress); empty = anyone. */
    readonly peers: readonly Peer[];
    /** TCP ports, numbers or named container ports. @default every port */
    readonly ports?: readonly (number | string)[];
}

/** What a workload may receive and send, besides DNS. */
export interface WorkloadTraffic {
    /** Name of the policy. */
    readonly name: string;
    /** Labels of the workload's pods. */
    readonly pods: Record<string, string>;
    /** Connections it accepts. @default ingress left to the workload's other policies (an egress-only policy) */
    readonly ingress?: readonly TrafficRule[];
    /** Connections it opens. */
    readonly egress: readonly TrafficRule[];
}

/** The Kubernetes peer of a Peer. */
function peer(p: Peer): NetworkPolicyPeer {
    if ("cidr" in p) {
        return { ipBlock: { cidr: p.cidr } };
    }
    if ("namespace" in p) {
        return {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } },
            podSelector: p.pods ? { matchLabels: p.pods } : {},
        };
    }
    return { podSelector: { matchLabels: p.pods } };
}

function rule(r: TrafficRule, side: "from" | "to") {
    const ports: NetworkPolicyPort[] | undefined = r.ports?.map((port) => ({ protocol: "TCP", port }));
    return { ...(r.peers.length > 0 ? { [side]: r.peers.map(peer) } : {}), ...(ports ? { ports } : {}) };
}

/** Default deny of ingress and egress for every pod of the namespace, plus DNS to CoreDNS. */
export function defaultDeny(namespace: string, parent: pulumi.Resource): void {
    new k8s.networking.v1.NetworkPolicy(
        `${namespace}-default-deny`,
        { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        { parent },
    );
    new k8s.networking.v1.NetworkPolicy(
        `${namespace}-allow-dns`,
        {
            metadata: { name: "allow-dns", namespace },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            },
        },
        { parent },
    );
}

/** One workload's policy: exactly its ingress and egress rules. */
export function workloadPolicy(namespace: string, traffic: WorkloadTraffic, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        `${namespace}-${traffic.name}`,
        {
            metadata: { name: traffic.name, namespace },
            spec: {
                podSelector: { matchLabels: traffic.pods },
                policyTypes: traffic.ingress ? ["Ingress", "Egress"] : ["Egress"],
                ingress: traffic.ingress?.map((r) => rule(r, "from")),
                egress: traffic.egress.map((r) => rule(r, "to")),
            },
        },
        { parent },
    );
}
