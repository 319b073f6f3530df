/**
 * A small NetworkPolicy evaluator over the plan's manifests (networking.k8s.io/v1 semantics): a
 * pod selected by no policy of a type is open for that type; once selected, only what some
 * policy's rules admit passes, and a connection needs both the source's egress and the
 * destination's ingress. Pod and namespace selectors (matchLabels, matchExpressions In/Exists),
 * numbered and named ports, ipBlock CIDRs.
 */

/** A label selector as Kubernetes writes it. */
export interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A peer of a rule. */
interface Peer {
    podSelector?: Selector;
    namespaceSelector?: Selector;
    ipBlock?: { cidr: string; except?: string[] };
}

/** A rule: peers and ports (absent = all). */
interface Rule {
    from?: Peer[];
    to?: Peer[];
    ports?: { port?: number | string; protocol?: string; endPort?: number }[];
}

/** The fields of a NetworkPolicy the evaluator reads. */
export interface NetworkPolicy {
    metadata: { name: string; namespace: string };
    spec: { podSelector: Selector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
}

/** One side of a connection: a pod (labels, namespace and its named ports) or an address outside. */
export type Endpoint =
    | {
          pod: {
              namespace: string;
              labels: Record<string, string>;
              namespaceLabels?: Record<string, string>;
              ports?: Record<string, number>;
          };
      }
    | { ip: string };

/** Whether labels satisfy a selector (an empty selector selects everything). */
export function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
    if (!selector) {
        return true;
    }
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = e.key in labels;
        if (e.operator === "In" && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && (e.values ?? []).includes(labels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

function ipNumber(ip: string): number {
    return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = ipNumber(base) - (ipNumber(base) % size);
    return ipNumber(ip) >= start && ipNumber(ip) < start + size;
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
        return "ip" in other && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
    }
    if (!("pod" in other)) {
        return false;
    }
    const nsLabels = other.pod.namespaceLabels ?? { "kubernetes.io/metadata.name": other.pod.namespace };
    const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels) : other.pod.namespace === policyNamespace;
    return namespaceOk && selects(peer.podSelector, other.pod.labels);
}

function portMatches(rule: Rule, port: number, protocol: string, namedPorts: Record<string, number>): boolean {
    if (!rule.ports || rule.ports.length === 0) {
        return true;
    }
    return rule.ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        const number = typeof p.port === "string" ? namedPorts[p.port] : p.port;
        return number !== undefined && (p.endPort ? port >= number && port <= p.endPort : port === number);
    });
}

function admits(
    policies: NetworkPolicy[],
    self: Endpoint,
    other: Endpoint,
    direction: "Ingress" | "Egress",
    port: number,
    protocol: string,
): boolean {
    if (!("pod" in self)) {
        return true;
    }
    const types = (p: NetworkPolicy) => p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
    const applying = policies.filter(
        (p) => p.metadata.namespace === self.pod.namespace && types(p).includes(direction) && selects(p.spec.podSelector, self.pod.labels),
    );
    if (applying.length === 0) {
        return true;
    }
    // Named ports are resolved on the destination pod.
    const destination = direction === "Ingress" ? self : other;
    const namedPorts = "pod" in destination ? (destination.pod.ports ?? {}) : {};
    const peersOf = (rule: Rule) => (direction === "Ingress" ? rule.from : rule.to) ?? [];
    return applying.some((p) =>
        (direction === "Ingress" ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])).some(
            // An empty or absent peer list admits every peer (networking.k8s.io/v1).
            (rule) =>
                (peersOf(rule).length === 0 || peersOf(rule).some((peer) => peerMatches(peer, p.metadata.namespace, other))) &&
                portMatches(rule, port, protocol, namedPorts),
        ),
    );
}

/** Whether policies let `from` open a connection to `to` on a port. */
export function allowed(policies: NetworkPolicy[], from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): boolean {
    return admits(policies, from, to, "Egress", port, protocol) && admits(policies, to, from, "Ingress", port, protocol);
}

/** Whether a pod is selected by at least one policy of each type (Ingress and Egress). */
export function covered(
    policies: NetworkPolicy[],
    namespace: string,
    labels: Record<string, string>,
): { ingress: boolean; egress: boolean } {
    const applying = policies.filter((p) => p.metadata.namespace === namespace && selects(p.spec.podSelector, labels));
    const types = (p: NetworkPolicy) => p.spec.policyTypes ?? ["Ingress"];
    return { ingress: applying.some((p) => types(p).includes("Ingress")), egress: applying.some((p) => types(p).includes("Egress")) };
}
