/** The structured diff of two plans: Kubernetes objects, Helm releases, cloud resources, summary. */
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { HELM_RELEASE_TYPE, PlanJson, PlanSnapshot, readPlanDir } from "./read";
import { cloudReplacedBy, kubernetesReplacedBy } from "./replacements";
import { diffLines, splitLines, unifiedDiff } from "./lineDiff";

/** One changed value inside a nested structure; `undefined` base or head means absent there. */
export interface ValueChange {
    /** Such as `scalingConfig.desiredSize` or `labels["pd-serving/node-pool"]`; "" for the whole value. */
    path: string;
    base: unknown;
    head: unknown;
}

/** A manifest file of a plan, by the object it holds. */
export interface ManifestRef {
    /** `<namespace>.<kind>.<name>.yaml` (`_cluster` for cluster-scoped objects). */
    file: string;
    namespace: string;
    kind: string;
    name: string;
}

/** A manifest present in both plans whose content differs. */
export interface ManifestChange extends ManifestRef {
    /** Unified diff of the YAML, base then head. */
    diff: string;
    linesAdded: number;
    linesRemoved: number;
    /** Changed fields of the parsed object. */
    changes: ValueChange[];
    /** Immutable fields among the changes: pulumi up replaces the object (empty: updated in place). */
    replacedBy: string[];
}

/** A Helm release by name and namespace. */
export interface HelmReleaseRef {
    name: string;
    chart: string | null;
    version: string | null;
}

/** A Helm release present in both plans whose chart, version or values differ. */
export interface HelmReleaseChange {
    name: string;
    /** Which of chart, version, values changed (in that order), then "inputs" for anything else. */
    changed: ("chart" | "version" | "values" | "inputs")[];
    chart: { base: string | null; head: string | null } | null;
    version: { base: string | null; head: string | null } | null;
    /** Changed paths inside `values`. */
    values: ValueChange[];
    /** Other changed inputs (repositoryOpts, namespace, ...). */
    inputs: ValueChange[];
}

/** A non-Kubernetes resource by type and name. */
export interface ResourceRef {
    type: string;
    name: string;
}

/** A resource present in both plans whose inputs differ. */
export interface ResourceChange extends ResourceRef {
    /** Changed inputs; a changed parent is reported with path "(parent)". */
    changes: ValueChange[];
    /** Inputs among the changes that force a new resource (empty: updated in place). */
    replacedBy: string[];
}

/** Items added, removed and changed between two plans. */
export interface AddedRemovedChanged<R, C> {
    added: R[];
    removed: R[];
    changed: C[];
}

/** A number in base and head (null when absent) and their difference. */
export interface NumberDelta {
    base: number | null;
    head: number | null;
    /** head - base, null when either side lacks the number. */
    delta: number | null;
}

export const SUMMARY_METRICS = [
    "gpusRequested",
    "gpusProvisioned",
    "gpuNodes",
    "prefillReplicas",
    "decodeReplicas",
    "hourlyCostUsd",
] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

export type SummaryDiff = Record<SummaryMetric, NumberDelta> & {
    /** Per line of the cost breakdown (gpuNodes, systemNodes, eksControlPlane, natGateways). */
    costBreakdown: Record<string, NumberDelta>;
    gpuInstanceType: { base: string | null; head: string | null };
};

/** Everything two plans differ in. */
export interface PlanDiff {
    stack: string;
    /** False when the base directory did not exist (a new stack, or the base failed to plan). */
    baseExists: boolean;
    /** True when anything below differs. */
    changed: boolean;
    kubernetes: AddedRemovedChanged<ManifestRef, ManifestChange>;
    helmReleases: AddedRemovedChanged<HelmReleaseRef, HelmReleaseChange>;
    /** Every resource that is neither a Kubernetes object (see manifests) nor a Helm release. */
    cloudResources: AddedRemovedChanged<ResourceRef, ResourceChange>;
    summary: SummaryDiff;
    /** Changed stack config (as plan.json shows it, secrets redacted). */
    config: ValueChange[];
    /** Changed stack outputs. */
    outputs: ValueChange[];
}

const round = (n: number) => Math.round(n * 1e4) / 1e4;

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** JSON with sorted keys, for equality of parsed values. */
function canonical(value: unknown): string {
    const sort = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(sort)
            : isPlainObject(v)
              ? Object.fromEntries(
                    Object.keys(v)
                        .sort()
                        .map((k) => [k, sort(v[k])]),
                )
              : v;
    return JSON.stringify(sort(value)) ?? "undefined";
}

function joinPath(parent: string, key: string | number): string {
    if (typeof key === "number") {
        return `${parent}[${key}]`;
    }
    const part = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    return parent === "" || part.startsWith("[") ? `${parent}${part}` : `${parent}.${part}`;
}

/**
 * Paths at which two values differ: objects key by key, arrays of equal length item by item;
 * anything else (including arrays whose length changed) is one change at its path.
 */
export function valueChanges(base: unknown, head: unknown, at = ""): ValueChange[] {
    if (canonical(base) === canonical(head)) {
        return [];
    }
    if (isPlainObject(base) && isPlainObject(head)) {
        const keys = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
        return keys.flatMap((k) => valueChanges(base[k], head[k], joinPath(at, k)));
    }
    if (Array.isArray(base) && Array.isArray(head) && base.length === head.length) {
        return base.flatMap((item, i) => valueChanges(item, head[i], joinPath(at, i)));
    }
    return [{ path: at, base, head }];
}

/** `<namespace>.<kind>.<name>.yaml`: namespaces and kinds have no dots, names may. */
export function parseManifestFileName(file: string): ManifestRef {
    const stem = file.replace(/\.yaml$/, "");
    const first = stem.indexOf(".");
    const second = first < 0 ? -1 : stem.indexOf(".", first + 1);
    if (second < 0) {
        return { file, namespace: "", kind: "", name: stem };
    }
    return { file, namespace: stem.slice(0, first), kind: stem.slice(first + 1, second), name: stem.slice(second + 1) };
}

function parseYamlSafe(text: string): unknown {
    try {
        return parseYaml(text);
    } catch {
        return text;
    }
}

function diffManifests(base: Map<string, string>, head: Map<string, string>): PlanDiff["kubernetes"] {
    const added = [...head.keys()]
        .filter((f) => !base.has(f))
        .sort()
        .map(parseManifestFileName);
    const removed = [...base.keys()]
        .filter((f) => !head.has(f))
        .sort()
        .map(parseManifestFileName);
    const changed: ManifestChange[] = [];
    for (const file of [...head.keys()].filter((f) => base.has(f)).sort()) {
        const before = base.get(file) as string;
        const after = head.get(file) as string;
        if (before === after) {
            continue;
        }
        const ops = diffLines(splitLines(before), splitLines(after));
        const ref = parseManifestFileName(file);
        const changes = valueChanges(parseYamlSafe(before), parseYamlSafe(after));
        changed.push({
            ...ref,
            diff: unifiedDiff(before, after, { baseName: `base/manifests/${file}`, headName: `head/manifests/${file}` }),
            linesAdded: ops.filter((o) => o.op === "+").length,
            linesRemoved: ops.filter((o) => o.op === "-").length,
            changes,
            replacedBy: kubernetesReplacedBy(ref.kind, changes),
        });
    }
    return { added, removed, changed };
}

type PlanResource = NonNullable<PlanJson["resources"]>[number];

/** A Kubernetes object as registered (its manifest is in manifests/): `kubernetes:` type with kind and apiVersion. */
function isKubernetesObjectResource(resource: PlanResource): boolean {
    return (
        resource.type.startsWith("kubernetes:") &&
        resource.type !== HELM_RELEASE_TYPE &&
        typeof resource.inputs?.kind === "string" &&
        typeof resource.inputs?.apiVersion === "string"
    );
}

function byKey(resources: PlanResource[], key: (r: PlanResource) => string): Map<string, PlanResource> {
    return new Map(resources.map((r) => [key(r), r]));
}

const str = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));

function helmRef(r: PlanResource): HelmReleaseRef {
    return { name: r.name, chart: str(r.inputs?.chart), version: str(r.inputs?.version) };
}

function diffHelmReleases(base: PlanResource[], head: PlanResource[]): PlanDiff["helmReleases"] {
    const before = byKey(
        base.filter((r) => r.type === HELM_RELEASE_TYPE),
        (r) => r.name,
    );
    const after = byKey(
        head.filter((r) => r.type === HELM_RELEASE_TYPE),
        (r) => r.name,
    );
    const added = [...after.keys()]
        .filter((k) => !before.has(k))
        .sort()
        .map((k) => helmRef(after.get(k) as PlanResource));
    const removed = [...before.keys()]
        .filter((k) => !after.has(k))
        .sort()
        .map((k) => helmRef(before.get(k) as PlanResource));
    const changed: HelmReleaseChange[] = [];
    for (const name of [...after.keys()].filter((k) => before.has(k)).sort()) {
        const b = before.get(name)?.inputs ?? {};
        const a = after.get(name)?.inputs ?? {};
        const pick = (field: string) => (canonical(b[field]) === canonical(a[field]) ? null : { base: str(b[field]), head: str(a[field]) });
        const chart = pick("chart");
        const version = pick("version");
        const values = valueChanges(b.values ?? {}, a.values ?? {});
        const rest = (inputs: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(inputs).filter(([k]) => !["chart", "version", "values"].includes(k)));
        const inputs = valueChanges(rest(b), rest(a));
        if (before.get(name)?.parent !== after.get(name)?.parent) {
            inputs.push({ path: "(parent)", base: before.get(name)?.parent ?? null, head: after.get(name)?.parent ?? null });
        }
        const fields: HelmReleaseChange["changed"] = [];
        if (chart) fields.push("chart");
        if (version) fields.push("version");
        if (values.length > 0) fields.push("values");
        if (inputs.length > 0) fields.push("inputs");
        if (fields.length > 0) {
            changed.push({ name, changed: fields, chart, version, values, inputs });
        }
    }
    return { added, removed, changed };
}

function diffCloudResources(base: PlanResource[], head: PlanResource[]): PlanDiff["cloudResources"] {
    const isCloud = (r: PlanResource) => r.type !== HELM_RELEASE_TYPE && !isKubernetesObjectResource(r);
    const key = (r: ResourceRef) => `${r.type}::${r.name}`;
    const before = byKey(base.filter(isCloud), key);
    const after = byKey(head.filter(isCloud), key);
    const ref = (r: PlanResource): ResourceRef => ({ type: r.type, name: r.name });
    const order = (a: ResourceRef, b: ResourceRef) => (key(a) < key(b) ? -1 : 1);
    const added = [...after.entries()]
        .filter(([k]) => !before.has(k))
        .map(([, r]) => ref(r))
        .sort(order);
    const removed = [...before.entries()]
        .filter(([k]) => !after.has(k))
        .map(([, r]) => ref(r))
        .sort(order);
    const changed: ResourceChange[] = [];
    for (const [k, a] of [...after.entries()].filter(([k]) => before.has(k)).sort(([x], [y]) => (x < y ? -1 : 1))) {
        const b = before.get(k) as PlanResource;
        const changes = valueChanges(b.inputs ?? {}, a.inputs ?? {});
        if ((b.parent ?? null) !== (a.parent ?? null)) {
            changes.push({ path: "(parent)", base: b.parent ?? null, head: a.parent ?? null });
        }
        if (changes.length > 0) {
            changed.push({ ...ref(a), changes, replacedBy: cloudReplacedBy(a.type, changes) });
        }
    }
    return { added, removed, changed };
}

function numberDelta(base: unknown, head: unknown): NumberDelta {
    const b = typeof base === "number" ? base : null;
    const h = typeof head === "number" ? head : null;
    return { base: b, head: h, delta: b === null || h === null ? null : round(h - b) };
}

/** Labels of the cost breakdown lines, in the order reports list them. */
export const COST_LABELS: Record<string, string> = {
    gpuNodes: "GPU nodes",
    systemNodes: "system nodes",
    eksControlPlane: "EKS control plane",
    natGateways: "NAT gateways",
};

function diffSummary(base: PlanSnapshot, head: PlanSnapshot): SummaryDiff {
    // An absent base creates nothing: its numbers are 0, not unknown.
    const b: NonNullable<PlanJson["summary"]> = base.exists ? (base.plan.summary ?? {}) : { costBreakdown: {} };
    const h: NonNullable<PlanJson["summary"]> = head.plan.summary ?? {};
    const zeroIfAbsent = (value: unknown) => (base.exists ? value : (value ?? 0));
    const metrics = Object.fromEntries(SUMMARY_METRICS.map((m) => [m, numberDelta(zeroIfAbsent(b[m]), h[m])])) as Record<
        SummaryMetric,
        NumberDelta
    >;
    const known = Object.keys(COST_LABELS);
    const lines = [...new Set([...Object.keys(b.costBreakdown ?? {}), ...Object.keys(h.costBreakdown ?? {})])].sort(
        (x, y) =>
            (known.includes(x) ? known.indexOf(x) : known.length) - (known.includes(y) ? known.indexOf(y) : known.length) ||
            (x < y ? -1 : 1),
    );
    const costBreakdown = Object.fromEntries(lines.map((k) => [k, numberDelta(zeroIfAbsent(b.costBreakdown?.[k]), h.costBreakdown?.[k])]));
    return { ...metrics, costBreakdown, gpuInstanceType: { base: str(b.gpuInstanceType), head: str(h.gpuInstanceType) } };
}

function summaryChanged(summary: SummaryDiff): boolean {
    const moved = (d: NumberDelta) => d.base !== d.head;
    return (
        SUMMARY_METRICS.some((m) => moved(summary[m])) ||
        Object.values(summary.costBreakdown).some(moved) ||
        summary.gpuInstanceType.base !== summary.gpuInstanceType.head
    );
}

/** Compares two plans. `stack` defaults to head's plan.json `stack`, else the head directory's name. */
export function diffPlans(base: PlanSnapshot, head: PlanSnapshot, stack?: string): PlanDiff {
    const kubernetes = diffManifests(base.manifests, head.manifests);
    const helmReleases = diffHelmReleases(base.plan.resources ?? [], head.plan.resources ?? []);
    const cloudResources = diffCloudResources(base.plan.resources ?? [], head.plan.resources ?? []);
    const summary = diffSummary(base, head);
    const config = valueChanges(base.plan.config ?? {}, head.plan.config ?? {});
    const outputs = valueChanges(base.plan.outputs ?? {}, head.plan.outputs ?? {});
    const any = (x: AddedRemovedChanged<unknown, unknown>) => x.added.length + x.removed.length + x.changed.length > 0;
    const changed =
        any(kubernetes) ||
        any(helmReleases) ||
        any(cloudResources) ||
        summaryChanged(summary) ||
        config.length > 0 ||
        outputs.length > 0 ||
        base.exists !== head.exists;
    return {
        stack: stack ?? head.plan.stack ?? path.basename(path.resolve(head.dir)),
        baseExists: base.exists,
        changed,
        kubernetes,
        helmReleases,
        cloudResources,
        summary,
        config,
        outputs,
    };
}

/** Reads both directories (a missing base is an empty plan) and compares them. */
export function diffPlanDirs(baseDir: string, headDir: string, stack?: string): PlanDiff {
    return diffPlans(readPlanDir(baseDir, { allowMissing: true }), readPlanDir(headDir), stack);
}
