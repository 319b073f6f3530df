/** Finders over the Dynamo graph of a plan: the DynamoGraphDeployment, its components, the platform release. */
import * as assert from "assert";
import { StackPlan } from "./plan";
import { Container, PodSpec } from "./k8sSchema";

export interface Component {
    name: string;
    type: string;
    replicas: number;
    runtimeVersionOverride?: string;
    sharedMemorySize?: string;
    podTemplate: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
}
export interface Dgd {
    apiVersion: string;
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: { backendFramework: string; env: { name: string; value?: string }[]; components: Component[] };
}
export interface NetworkPolicy {
    spec: {
        podSelector: { matchLabels: Record<string, string> };
        ingress: { from: { podSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
    };
}
export type Values = Record<string, unknown>;

export function dgd(p: StackPlan): Dgd {
    const found = p.manifests().filter((o) => o.kind === "DynamoGraphDeployment");
    assert.strictEqual(found.length, 1, "one DynamoGraphDeployment");
    return found[0] as unknown as Dgd;
}

export function component(p: StackPlan, type: string): Component {
    const found = dgd(p).spec.components.filter((c) => c.type === type);
    assert.strictEqual(found.length, 1, `one ${type} component`);
    return found[0];
}

/** The container the operator runs: it must be named main. */
export function main(c: Component): Container {
    const found = c.podTemplate.spec.containers.filter((k) => k.name === "main");
    assert.strictEqual(found.length, 1, `${c.name}: one container named main`);
    return found[0];
}

export function argValue(args: string[] | undefined, flag: string): string | undefined {
    const values = (args ?? []).flatMap((a, i, all) => (a === flag ? [all[i + 1]] : []));
    assert.ok(values.length <= 1, `${flag} given ${values.length} times`);
    return values[0];
}

export function platformValues(p: StackPlan): Values {
    const releases = p.resources("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "dynamo-platform");
    assert.strictEqual(releases.length, 1, "one dynamo-platform release");
    return releases[0].inputs.values as Values;
}

export function at(values: Values, path: string): unknown {
    return path.split(".").reduce<unknown>((v, key) => (v as Values | undefined)?.[key], values);
}

/** Does a NetworkPolicy admit pods with these labels on this port? */
export function admits(policy: NetworkPolicy, labels: Record<string, string>, port: number): boolean {
    return policy.spec.ingress.some(
        (rule) =>
            rule.ports.some((pp) => pp.port === port) &&
            rule.from.some((f) => Object.entries(f.podSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v)),
    );
}

/** `scheme://name.namespace.svc.cluster.local:port` -> its parts. */
export function inClusterUrl(url: unknown): { scheme: string; name: string; namespace: string; port: number } {
    assert.strictEqual(typeof url, "string", `not a URL: ${String(url)}`);
    const parsed = new URL(url as string);
    const [name, namespace, ...rest] = parsed.hostname.split(".");
    assert.deepStrictEqual(rest, ["svc", "cluster", "local"], `${String(url)} is no in-cluster Service`);
    return { scheme: parsed.protocol, name, namespace, port: Number(parsed.port) };
}
