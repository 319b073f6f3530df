/** The worker pods of a plan and the small readers the worker tests share. */
import * as assert from "assert";
import { StackPlan } from "./plan";
import { Container, EnvVar, PodSpec, Probe } from "./k8sSchema";
import { DYNAMO_COMPONENT_KIND, withDynamoComponents } from "./dynamo";
/** AL2023 pre-allocates 5128 2 MiB huge pages on EFA instances (EKS user guide, node-efa). */
export const NODE_HUGEPAGES_MI = 5128 * 2;

export interface Workload {
    kind: string;
    metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: { replicas?: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

export type Role = "prefill" | "decode";
export const ROLES: Role[] = ["prefill", "decode"];

export interface Worker {
    role: Role;
    workload: Workload;
    pod: PodSpec;
    container: Container;
}

/** The prefill and decode workloads (Deployment or StatefulSet) and their serving container. */
export function workers(p: StackPlan): Worker[] {
    return ROLES.map((role) => {
        const found = withDynamoComponents(p.manifests()).filter(
            (o) =>
                ["Deployment", "StatefulSet", DYNAMO_COMPONENT_KIND].includes(o.kind) &&
                o.metadata.labels?.["app.kubernetes.io/component"] === role,
        ) as unknown as Workload[];
        assert.strictEqual(found.length, 1, `one ${role} workload, found ${found.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
        const pod = found[0].spec.template.spec;
        const gpuContainers = pod.containers.filter((c) => Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0) > 0);
        assert.strictEqual(gpuContainers.length, 1, `${role}: one container with GPUs`);
        return { role, workload: found[0], pod, container: gpuContainers[0] };
    });
}

export function envVar(c: Container, name: string): EnvVar | undefined {
    const found = (c.env ?? []).filter((e) => e.name === name);
    assert.ok(found.length <= 1, `${c.name}: ${name} set ${found.length} times`);
    return found[0];
}

/** The value after `flag` (or in `flag=value`); undefined when the flag is absent. */
export function argValue(args: string[], flag: string): string | undefined {
    const values = args.flatMap((a, i) => (a === flag ? [args[i + 1]] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));
    assert.ok(values.length <= 1, `${flag} given ${values.length} times`);
    return values[0];
}

/** The served model: `--model X`, or the positional model tag of `vllm serve X`. */
export function modelOf(c: Container): string | undefined {
    const args = c.args ?? [];
    return argValue(args, "--model") ?? (args[0] !== undefined && !args[0].startsWith("-") ? args[0] : undefined);
}

export function mebibytes(quantity: string): number {
    const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
    assert.ok(match, `unexpected quantity ${quantity}`);
    return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

/** Seconds a startup probe lets a container take before it is killed. */
export function startupBudgetSeconds(probe: Probe): number {
    return (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
}

export const TAINT_EFFECTS: Record<string, string> = {
    NO_SCHEDULE: "NoSchedule",
    NO_EXECUTE: "NoExecute",
    PREFER_NO_SCHEDULE: "PreferNoSchedule",
};

export function isPinned(image: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) {
        return true;
    }
    const last = image.split("/").pop() ?? "";
    const tag = last.includes(":") ? last.slice(last.indexOf(":") + 1) : "";
    return tag !== "" && tag !== "latest";
}

export function allContainers(p: StackPlan): { where: string; container: Container }[] {
    return withDynamoComponents(p.manifests()).flatMap((o) => {
        const spec = (o.spec?.template?.spec ?? undefined) as PodSpec | undefined;
        return spec
            ? [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({
                  where: `${o.kind}/${o.metadata.name}`,
                  container,
              }))
            : [];
    });
}

/** Huge pages (MiB) the DaemonSets put on every GPU node (they tolerate the GPU taint). */
export function daemonSetHugepagesOnGpuNodes(p: StackPlan): number {
    return p
        .manifests()
        .filter((o) => o.kind === "DaemonSet")
        .map((o) => o.spec?.template?.spec as unknown as PodSpec)
        .filter(
            (spec) =>
                (spec.tolerations ?? []).some((t) => t.key === "nvidia.com/gpu") || spec.nodeSelector?.["pd-serving/node-pool"] === "gpu",
        )
        .flatMap((spec) => [...(spec.initContainers ?? []), ...spec.containers])
        .reduce((sum, c) => sum + mebibytes(c.resources?.requests?.["hugepages-2Mi"] ?? "0Mi"), 0);
}

export const GRAPHS = [
    { graph: "vllm-router", sets: [] as string[] },
    { graph: "dynamo", sets: ["graph=dynamo"] },
];
