/**
 * The offline plan diff: compares two `npm run plan -- --out <dir>` directories (base and head)
 * and reports what a pull request changes: Kubernetes objects (by manifest file, with a unified
 * YAML diff), Helm releases (chart, version, values), every other resource (by type and name,
 * inputs), config, outputs, and the summary (GPUs, nodes, replicas, hourly cost).
 *
 * readPlanDir does the file reading; diffPlans, renderMarkdown and unifiedDiff are pure. The line
 * diff is a small LCS over lines written here (manifests are a few hundred lines), not a package.
 * A base plan may come from an older revision of the plan format, so every summary field is optional.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

/** First line of every report, so a workflow can find (and update) the one PR comment. */
export const REPORT_MARKER = "<!-- pd-serving-plan-diff -->";

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

// ---------------------------------------------------------------------------------------------
// Reading plan directories

/** What the diff reads from plan.json; fields the base (an older revision) may lack are optional. */
export interface PlanJson {
    stack?: string;
    config?: Record<string, unknown>;
    resources?: { type: string; name: string; parent?: string | null; inputs?: Record<string, unknown> }[];
    outputs?: Record<string, unknown>;
    summary?: Partial<{
        gpuInstanceType: string;
        gpusRequested: number;
        gpusProvisioned: number;
        gpuNodes: number;
        prefillReplicas: number;
        decodeReplicas: number;
        hourlyCostUsd: number;
        costBreakdown: Record<string, number>;
    }>;
}

/** One side of the diff. An absent base (a new stack) is an empty snapshot with exists=false. */
export interface PlanSnapshot {
    dir: string;
    exists: boolean;
    plan: PlanJson;
    /** Manifest file name -> YAML text. */
    manifests: Map<string, string>;
}

/** A plan directory that cannot be read: the CLI prints the message and exits 1. */
export class PlanDirError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanDirError";
    }
}

export function emptySnapshot(dir: string): PlanSnapshot {
    return { dir, exists: false, plan: {}, manifests: new Map() };
}

/**
 * Reads <dir>/plan.json and <dir>/manifests/*.yaml. A directory that does not exist is an empty
 * plan when `allowMissing` (the base of a new stack); otherwise, and for a directory without
 * plan.json, a PlanDirError.
 */
export function readPlanDir(dir: string, options: { allowMissing?: boolean } = {}): PlanSnapshot {
    if (!fs.existsSync(dir)) {
        if (options.allowMissing) {
            return emptySnapshot(dir);
        }
        throw new PlanDirError(`${dir} does not exist; expected the --out directory of npm run plan.`);
    }
    const planFile = path.join(dir, "plan.json");
    if (!fs.existsSync(planFile)) {
        throw new PlanDirError(`${dir} has no plan.json; expected the --out directory of npm run plan.`);
    }
    let plan: PlanJson;
    try {
        plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as PlanJson;
    } catch (err) {
        throw new PlanDirError(`${planFile} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (plan === null || typeof plan !== "object" || Array.isArray(plan)) {
        throw new PlanDirError(`${planFile} is not a plan (expected a JSON object).`);
    }
    const manifests = new Map<string, string>();
    const manifestDir = path.join(dir, "manifests");
    if (fs.existsSync(manifestDir)) {
        for (const file of fs.readdirSync(manifestDir).filter((f) => f.endsWith(".yaml")).sort()) {
            manifests.set(file, fs.readFileSync(path.join(manifestDir, file), "utf8"));
        }
    }
    return { dir, exists: true, plan, manifests };
}

// ---------------------------------------------------------------------------------------------
// The structured diff

/** One changed value inside a nested structure; `undefined` base or head means absent there. */
export interface ValueChange {
    /** Such as `scalingConfig.desiredSize` or `labels["pd-serving/node-pool"]`; "" for the whole value. */
    path: string;
    base: unknown;
    head: unknown;
}

export interface ManifestRef {
    /** `<namespace>.<kind>.<name>.yaml` (`_cluster` for cluster-scoped objects). */
    file: string;
    namespace: string;
    kind: string;
    name: string;
}

export interface ManifestChange extends ManifestRef {
    /** Unified diff of the YAML, base then head. */
    diff: string;
    linesAdded: number;
    linesRemoved: number;
    /** Changed fields of the parsed object. */
    changes: ValueChange[];
}

export interface HelmReleaseRef {
    name: string;
    chart: string | null;
    version: string | null;
}

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

export interface ResourceRef {
    type: string;
    name: string;
}

export interface ResourceChange extends ResourceRef {
    /** Changed inputs; a changed parent is reported with path "(parent)". */
    changes: ValueChange[];
}

export interface AddedRemovedChanged<R, C> {
    added: R[];
    removed: R[];
    changed: C[];
}

export interface NumberDelta {
    base: number | null;
    head: number | null;
    /** head - base, null when either side lacks the number. */
    delta: number | null;
}

export const SUMMARY_METRICS = ["gpusRequested", "gpusProvisioned", "gpuNodes", "prefillReplicas", "decodeReplicas", "hourlyCostUsd"] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

export type SummaryDiff = Record<SummaryMetric, NumberDelta> & {
    /** Per line of the cost breakdown (gpuNodes, systemNodes, eksControlPlane, natGateways). */
    costBreakdown: Record<string, NumberDelta>;
    gpuInstanceType: { base: string | null; head: string | null };
};

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
        Array.isArray(v) ? v.map(sort) : isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v;
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
    const added = [...head.keys()].filter((f) => !base.has(f)).sort().map(parseManifestFileName);
    const removed = [...base.keys()].filter((f) => !head.has(f)).sort().map(parseManifestFileName);
    const changed: ManifestChange[] = [];
    for (const file of [...head.keys()].filter((f) => base.has(f)).sort()) {
        const before = base.get(file) as string;
        const after = head.get(file) as string;
        if (before === after) {
            continue;
        }
        const ops = diffLines(splitLines(before), splitLines(after));
        changed.push({
            ...parseManifestFileName(file),
            diff: unifiedDiff(before, after, { baseName: `base/manifests/${file}`, headName: `head/manifests/${file}` }),
            linesAdded: ops.filter((o) => o.op === "+").length,
            linesRemoved: ops.filter((o) => o.op === "-").length,
            changes: valueChanges(parseYamlSafe(before), parseYamlSafe(after)),
        });
    }
    return { added, removed, changed };
}

type PlanResource = NonNullable<PlanJson["resources"]>[number];

/** A Kubernetes object as registered (its manifest is in manifests/): `kubernetes:` type with kind and apiVersion. */
function isKubernetesObjectResource(resource: PlanResource): boolean {
    return resource.type.startsWith("kubernetes:") && resource.type !== HELM_RELEASE_TYPE &&
        typeof resource.inputs?.kind === "string" && typeof resource.inputs?.apiVersion === "string";
}

function byKey(resources: PlanResource[], key: (r: PlanResource) => string): Map<string, PlanResource> {
    return new Map(resources.map((r) => [key(r), r]));
}

const str = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));

function helmRef(r: PlanResource): HelmReleaseRef {
    return { name: r.name, chart: str(r.inputs?.chart), version: str(r.inputs?.version) };
}

function diffHelmReleases(base: PlanResource[], head: PlanResource[]): PlanDiff["helmReleases"] {
    const before = byKey(base.filter((r) => r.type === HELM_RELEASE_TYPE), (r) => r.name);
    const after = byKey(head.filter((r) => r.type === HELM_RELEASE_TYPE), (r) => r.name);
    const added = [...after.keys()].filter((k) => !before.has(k)).sort().map((k) => helmRef(after.get(k) as PlanResource));
    const removed = [...before.keys()].filter((k) => !after.has(k)).sort().map((k) => helmRef(before.get(k) as PlanResource));
    const changed: HelmReleaseChange[] = [];
    for (const name of [...after.keys()].filter((k) => before.has(k)).sort()) {
        const b = before.get(name)?.inputs ?? {};
        const a = after.get(name)?.inputs ?? {};
        const pick = (field: string) => (canonical(b[field]) === canonical(a[field]) ? null : { base: str(b[field]), head: str(a[field]) });
        const chart = pick("chart");
        const version = pick("version");
        const values = valueChanges(b.values ?? {}, a.values ?? {});
        const rest = (inputs: Record<string, unknown>) => Object.fromEntries(Object.entries(inputs).filter(([k]) => !["chart", "version", "values"].includes(k)));
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
    const added = [...after.entries()].filter(([k]) => !before.has(k)).map(([, r]) => ref(r)).sort(order);
    const removed = [...before.entries()].filter(([k]) => !after.has(k)).map(([, r]) => ref(r)).sort(order);
    const changed: ResourceChange[] = [];
    for (const [k, a] of [...after.entries()].filter(([k]) => before.has(k)).sort(([x], [y]) => (x < y ? -1 : 1))) {
        const b = before.get(k) as PlanResource;
        const changes = valueChanges(b.inputs ?? {}, a.inputs ?? {});
        if ((b.parent ?? null) !== (a.parent ?? null)) {
            changes.push({ path: "(parent)", base: b.parent ?? null, head: a.parent ?? null });
        }
        if (changes.length > 0) {
            changed.push({ ...ref(a), changes });
        }
    }
    return { added, removed, changed };
}

function numberDelta(base: unknown, head: unknown): NumberDelta {
    const b = typeof base === "number" ? base : null;
    const h = typeof head === "number" ? head : null;
    return { base: b, head: h, delta: b === null || h === null ? null : round(h - b) };
}

function diffSummary(base: PlanSnapshot, head: PlanSnapshot): SummaryDiff {
    // An absent base creates nothing: its numbers are 0, not unknown.
    const b: NonNullable<PlanJson["summary"]> = base.exists ? base.plan.summary ?? {} : { costBreakdown: {} };
    const h: NonNullable<PlanJson["summary"]> = head.plan.summary ?? {};
    const zeroIfAbsent = (value: unknown) => (base.exists ? value : value ?? 0);
    const metrics = Object.fromEntries(SUMMARY_METRICS.map((m) => [m, numberDelta(zeroIfAbsent(b[m]), h[m])])) as Record<SummaryMetric, NumberDelta>;
    const known = Object.keys(COST_LABELS);
    const lines = [...new Set([...Object.keys(b.costBreakdown ?? {}), ...Object.keys(h.costBreakdown ?? {})])]
        .sort((x, y) => (known.includes(x) ? known.indexOf(x) : known.length) - (known.includes(y) ? known.indexOf(y) : known.length) || (x < y ? -1 : 1));
    const costBreakdown = Object.fromEntries(lines.map((k) => [k, numberDelta(zeroIfAbsent(b.costBreakdown?.[k]), h.costBreakdown?.[k])]));
    return { ...metrics, costBreakdown, gpuInstanceType: { base: str(b.gpuInstanceType), head: str(h.gpuInstanceType) } };
}

function summaryChanged(summary: SummaryDiff): boolean {
    const moved = (d: NumberDelta) => d.base !== d.head;
    return SUMMARY_METRICS.some((m) => moved(summary[m])) || Object.values(summary.costBreakdown).some(moved) ||
        summary.gpuInstanceType.base !== summary.gpuInstanceType.head;
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
    const changed = any(kubernetes) || any(helmReleases) || any(cloudResources) || summaryChanged(summary) ||
        config.length > 0 || outputs.length > 0 || base.exists !== head.exists;
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

// ---------------------------------------------------------------------------------------------
// Line diff (LCS) and unified diff

export interface DiffOp {
    op: " " | "-" | "+";
    line: string;
}

/** Lines of a text file; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
    if (text === "") {
        return [];
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") {
        lines.pop();
    }
    return lines;
}

/** Beyond this many cells the middle of a diff is shown as removed-then-added, not minimised. */
const MAX_LCS_CELLS = 16_000_000;

/**
 * A shortest edit script by longest common subsequence: common prefix and suffix first, then an
 * LCS table over the rest. Within a change, removed lines come before added ones.
 */
export function diffLines(a: string[], b: string[]): DiffOp[] {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) {
        start++;
    }
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
        endA--;
        endB--;
    }
    const ops: DiffOp[] = a.slice(0, start).map((line) => ({ op: " ", line }));
    const midA = a.slice(start, endA);
    const midB = b.slice(start, endB);
    const n = midA.length;
    const m = midB.length;
    if (n * m > MAX_LCS_CELLS) {
        ops.push(...midA.map((line) => ({ op: "-" as const, line })), ...midB.map((line) => ({ op: "+" as const, line })));
    } else if (n > 0 || m > 0) {
        // lcs[i * (m + 1) + j]: LCS length of midA[i..] and midB[j..].
        const width = m + 1;
        const lcs = new Uint32Array((n + 1) * width);
        for (let i = n - 1; i >= 0; i--) {
            for (let j = m - 1; j >= 0; j--) {
                lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
            }
        }
        let i = 0;
        let j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && midA[i] === midB[j]) {
                ops.push({ op: " ", line: midA[i] });
                i++;
                j++;
            } else if (j >= m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
                ops.push({ op: "-", line: midA[i] });
                i++;
            } else {
                ops.push({ op: "+", line: midB[j] });
                j++;
            }
        }
    }
    ops.push(...a.slice(endA).map((line) => ({ op: " " as const, line })));
    return ops;
}

/**
 * Where a YAML line sits, as a dotted path of its parent keys (`spec.template.spec.containers[].args`),
 * read off indentation: the hunk header's section, as git shows a function name.
 */
export function yamlSection(lines: string[], index: number): string {
    const parts: string[] = [];
    const indentOf = (line: string) => line.length - line.trimStart().length;
    let threshold = indentOf(lines[index] ?? "");
    for (let k = index - 1; k >= 0 && threshold > 0; k--) {
        const line = lines[k];
        if (line.trim() === "" || line.trimStart().startsWith("#")) {
            continue;
        }
        const indent = indentOf(line);
        const body = line.trimStart();
        const item = body.startsWith("- ") || body === "-";
        const keyIndent = item ? indent + 2 : indent;
        const key = /^([^\s:#'"-][^:#]*|"[^"]*"|'[^']*'):(\s|$)/.exec(item ? body.slice(2) : body)?.[1];
        if (key !== undefined && keyIndent < threshold) {
            parts.push(item ? `${key}\u0000` : key);
            threshold = item ? indent : keyIndent;
        } else if (item && indent < threshold) {
            parts.push("\u0000");
            threshold = indent;
        }
    }
    // A part ending in \u0000 is a key inside a list item (or the item itself): its parent is a list.
    let section = "";
    for (const part of parts.reverse()) {
        if (part.endsWith("\u0000") && section !== "" && !section.endsWith("[]")) {
            section = `${section}[]`;
        }
        const key = part.replace("\u0000", "");
        if (key !== "") {
            section = section === "" ? key : `${section}.${key}`;
        }
    }
    return section;
}

export interface UnifiedDiffOptions {
    baseName?: string;
    headName?: string;
    /** Unchanged lines around each change (3, as diff -u). */
    context?: number;
}

/** A unified diff (`diff -u` format, with YAML sections in the hunk headers); "" when equal. */
export function unifiedDiff(base: string, head: string, options: UnifiedDiffOptions = {}): string {
    const context = options.context ?? 3;
    const a = splitLines(base);
    const b = splitLines(head);
    const ops = diffLines(a, b);
    const changes = ops.map((o, i) => (o.op === " " ? -1 : i)).filter((i) => i >= 0);
    if (changes.length === 0) {
        return "";
    }
    // Line numbers (0-based) in a and b before each op.
    const aAt: number[] = [];
    const bAt: number[] = [];
    let ai = 0;
    let bi = 0;
    for (const o of ops) {
        aAt.push(ai);
        bAt.push(bi);
        if (o.op !== "+") ai++;
        if (o.op !== "-") bi++;
    }
    const out = [`--- ${options.baseName ?? "base"}`, `+++ ${options.headName ?? "head"}`];
    let h = 0;
    while (h < changes.length) {
        let last = h;
        while (last + 1 < changes.length && changes[last + 1] - changes[last] <= 2 * context + 1) {
            last++;
        }
        const from = Math.max(0, changes[h] - context);
        const to = Math.min(ops.length, changes[last] + context + 1);
        const slice = ops.slice(from, to);
        const aLen = slice.filter((o) => o.op !== "+").length;
        const bLen = slice.filter((o) => o.op !== "-").length;
        const aStart = aLen === 0 ? aAt[from] : aAt[from] + 1;
        const bStart = bLen === 0 ? bAt[from] : bAt[from] + 1;
        const first = ops[changes[h]];
        const section = first.op === "-" ? yamlSection(a, aAt[changes[h]]) : yamlSection(b, bAt[changes[h]]);
        out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@${section ? ` ${section}` : ""}`);
        out.push(...slice.map((o) => `${o.op}${o.line}`));
        h = last + 1;
    }
    return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Markdown

export interface MarkdownOptions {
    /** Diff lines shown per manifest before "... N more lines" (default 200). */
    maxDiffLines?: number;
    /** Items listed per section before "... and N more" (default 50). */
    maxItems?: number;
    /** Changed paths shown per resource (default 8). */
    maxPaths?: number;
}

/** `text` as inline code, whatever backticks it holds. */
export function inlineCode(text: string): string {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(longest + 1);
    const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
    return `${fence}${pad}${text}${pad}${fence}`;
}

function codeFence(text: string, lang: string): string {
    const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longest + 1));
    return `${fence}${lang}\n${text.endsWith("\n") ? text : `${text}\n`}${fence}`;
}

function escapeHtml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A value for one line of the report: JSON, shortened; arrays whose length changed as a count. */
export function formatValue(value: unknown, max = 80): string {
    if (value === undefined) {
        return "(absent)";
    }
    if (Array.isArray(value) && value.length > 3) {
        return `[${value.length} items]`;
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatChange(change: ValueChange): string {
    const where = change.path === "" ? "" : `${inlineCode(change.path)}: `;
    if (change.base === undefined) {
        return `${where}added ${inlineCode(formatValue(change.head))}`;
    }
    if (change.head === undefined) {
        return `${where}removed (was ${inlineCode(formatValue(change.base))})`;
    }
    if (typeof change.base === "string" && typeof change.head === "string") {
        const [base, head] = differingParts(change.base, change.head);
        return `${where}${inlineCode(base)} → ${inlineCode(head)}`;
    }
    return `${where}${inlineCode(formatValue(change.base))} → ${inlineCode(formatValue(change.head))}`;
}

/** Two long strings cut to where they differ (with a little context), so the change shows. */
export function differingParts(base: string, head: string, max = 80): [string, string] {
    const quoted = [JSON.stringify(base), JSON.stringify(head)];
    if (quoted.every((q) => q.length <= max)) {
        return [quoted[0], quoted[1]];
    }
    let prefix = 0;
    while (prefix < base.length && prefix < head.length && base[prefix] === head[prefix]) {
        prefix++;
    }
    let suffix = 0;
    while (suffix < base.length - prefix && suffix < head.length - prefix && base[base.length - 1 - suffix] === head[head.length - 1 - suffix]) {
        suffix++;
    }
    const cut = (text: string): string => {
        const from = Math.max(0, prefix - 20);
        const to = Math.min(text.length, Math.max(text.length - suffix + 20, from + 1));
        let part = JSON.stringify(text.slice(from, to)).slice(1, -1);
        if (part.length > max) {
            part = `${part.slice(0, max - 1)}…`;
        }
        return `"${from > 0 ? "…" : ""}${part}${to < text.length ? "…" : ""}"`;
    };
    return [cut(base), cut(head)];
}

function formatChanges(changes: ValueChange[], maxPaths: number): string {
    const shown = changes.slice(0, maxPaths).map(formatChange).join("; ");
    return changes.length > maxPaths ? `${shown}; … and ${changes.length - maxPaths} more` : shown;
}

function limited(lines: string[], max: number): string[] {
    return lines.length > max ? [...lines.slice(0, max), `- … and ${lines.length - max} more`] : lines;
}

const isMoney = (metric: string) => metric === "hourlyCostUsd";

function formatNumber(n: number | null, money: boolean): string {
    if (n === null) {
        return "—";
    }
    return money ? `$${n.toFixed(2)}/h` : String(n);
}

function formatDelta(d: NumberDelta, money: boolean): string {
    if (d.delta === null) {
        return "—";
    }
    const sign = d.delta > 0 ? "+" : d.delta < 0 ? "-" : "±";
    const magnitude = Math.abs(d.delta);
    return money ? `${sign}$${magnitude.toFixed(2)}/h` : `${sign}${magnitude}`;
}

const METRIC_LABELS: Record<SummaryMetric, string> = {
    gpusRequested: "GPUs requested",
    gpusProvisioned: "GPUs provisioned",
    gpuNodes: "GPU nodes",
    prefillReplicas: "Prefill replicas",
    decodeReplicas: "Decode replicas",
    hourlyCostUsd: "Hourly cost (on demand)",
};

const COST_LABELS: Record<string, string> = {
    gpuNodes: "GPU nodes",
    systemNodes: "system nodes",
    eksControlPlane: "EKS control plane",
    natGateways: "NAT gateways",
};

function summaryMarkdown(summary: SummaryDiff): string[] {
    const rows: string[] = [];
    const instance = summary.gpuInstanceType;
    for (const metric of SUMMARY_METRICS) {
        const d = summary[metric];
        let label = METRIC_LABELS[metric];
        if (metric === "gpuNodes" && (instance.base || instance.head)) {
            label += instance.base === instance.head || !instance.base || !instance.head
                ? ` (${instance.head ?? instance.base})`
                : ` (${instance.base} → ${instance.head})`;
        }
        const moved = d.base !== d.head || (metric === "gpuNodes" && instance.base !== instance.head && d.head !== 0);
        if (moved) {
            rows.push(`| ${label} | ${formatNumber(d.base, isMoney(metric))} | ${formatNumber(d.head, isMoney(metric))} | **${formatDelta(d, isMoney(metric))}** |`);
        }
        if (metric === "hourlyCostUsd") {
            for (const [line, c] of Object.entries(summary.costBreakdown)) {
                if (c.base !== c.head) {
                    rows.push(`| ↳ ${COST_LABELS[line] ?? line} | ${formatNumber(c.base, true)} | ${formatNumber(c.head, true)} | ${formatDelta(c, true)} |`);
                }
            }
        }
    }
    if (rows.length === 0) {
        const gpus = summary.gpusRequested.head;
        const cost = summary.hourlyCostUsd.head;
        return [`GPUs and cost unchanged${gpus !== null && cost !== null ? `: ${gpus} GPUs requested of ${summary.gpusProvisioned.head ?? "?"} provisioned, ${formatNumber(cost, true)}` : ""}.`];
    }
    return ["| | base | head | change |", "| --- | ---: | ---: | ---: |", ...rows];
}

function countsTitle(title: string, x: AddedRemovedChanged<unknown, unknown>): string {
    const parts = [
        x.added.length ? `${x.added.length} added` : "",
        x.removed.length ? `${x.removed.length} removed` : "",
        x.changed.length ? `${x.changed.length} changed` : "",
    ].filter(Boolean);
    return `#### ${title}: ${parts.join(", ")}`;
}

/** The report for one stack, starting with REPORT_MARKER; says so when nothing changed. */
export function renderMarkdown(diff: PlanDiff, options: MarkdownOptions = {}): string {
    const maxDiffLines = options.maxDiffLines ?? 200;
    const maxItems = options.maxItems ?? 50;
    const maxPaths = options.maxPaths ?? 8;
    const out: string[] = [REPORT_MARKER, `### Offline plan diff: stack ${inlineCode(diff.stack)}`, ""];
    if (!diff.baseExists) {
        out.push("> The base has no plan of this stack (a new stack, or the base failed to plan): everything counts as added.", "");
    }
    if (!diff.changed) {
        out.push(`No changes: the plan of ${inlineCode(diff.stack)} is the same on both sides.`, "");
        return out.join("\n");
    }

    out.push(...summaryMarkdown(diff.summary), "");

    const unchanged: string[] = [];
    const k8s = diff.kubernetes;
    if (k8s.added.length + k8s.removed.length + k8s.changed.length > 0) {
        out.push(countsTitle("Kubernetes objects", k8s), "");
        out.push(...limited([
            ...k8s.added.map((m) => `- added ${inlineCode(m.file)}`),
            ...k8s.removed.map((m) => `- removed ${inlineCode(m.file)}`),
            ...k8s.changed.map((m) => `- changed ${inlineCode(m.file)} (+${m.linesAdded} −${m.linesRemoved} lines)${m.changes.length ? `: ${formatChanges(m.changes, maxPaths)}` : ""}`),
        ], maxItems), "");
        for (const m of k8s.changed.slice(0, maxItems)) {
            const lines = splitLines(m.diff);
            const shown = lines.length > maxDiffLines
                ? [...lines.slice(0, maxDiffLines), `# … ${lines.length - maxDiffLines} more lines: see the plan artifacts`]
                : lines;
            out.push(`<details${lines.length <= 40 ? " open" : ""}><summary>${escapeHtml(m.file)}</summary>`, "", codeFence(shown.join("\n"), "diff"), "", "</details>", "");
        }
    } else {
        unchanged.push("Kubernetes objects");
    }

    const helm = diff.helmReleases;
    if (helm.added.length + helm.removed.length + helm.changed.length > 0) {
        const chartOf = (r: HelmReleaseRef) => inlineCode(`${r.chart ?? "?"}${r.version ? `@${r.version}` : ""}`);
        out.push(countsTitle("Helm releases", helm), "");
        out.push(...limited([
            ...helm.added.map((r) => `- added ${inlineCode(r.name)} (chart ${chartOf(r)})`),
            ...helm.removed.map((r) => `- removed ${inlineCode(r.name)} (chart ${chartOf(r)})`),
            ...helm.changed.map((r) => {
                const details = [
                    r.chart ? `chart ${inlineCode(r.chart.base ?? "(none)")} → ${inlineCode(r.chart.head ?? "(none)")}` : "",
                    r.version ? `version ${inlineCode(r.version.base ?? "(none)")} → ${inlineCode(r.version.head ?? "(none)")}` : "",
                    r.values.length ? `values: ${formatChanges(r.values, maxPaths)}` : "",
                    r.inputs.length ? `inputs: ${formatChanges(r.inputs, maxPaths)}` : "",
                ].filter(Boolean);
                return `- changed ${inlineCode(r.name)} (${r.changed.join(", ")}): ${details.join("; ")}`;
            }),
        ], maxItems), "");
    } else {
        unchanged.push("Helm releases");
    }

    const cloud = diff.cloudResources;
    if (cloud.added.length + cloud.removed.length + cloud.changed.length > 0) {
        const name = (r: ResourceRef) => `${inlineCode(r.type)} ${inlineCode(r.name)}`;
        out.push(countsTitle("Cloud resources", cloud), "");
        out.push(...limited([
            ...cloud.added.map((r) => `- added ${name(r)}`),
            ...cloud.removed.map((r) => `- removed ${name(r)}`),
            ...cloud.changed.map((r) => `- changed ${name(r)}: ${formatChanges(r.changes, maxPaths)}`),
        ], maxItems), "");
    } else {
        unchanged.push("cloud resources");
    }

    if (diff.config.length > 0) {
        out.push(`#### Config: ${diff.config.length} changed`, "", ...limited(diff.config.map((c) => `- ${formatChange(c)}`), maxItems), "");
    }
    if (diff.outputs.length > 0) {
        out.push(`#### Stack outputs: ${diff.outputs.length} changed`, "", ...limited(diff.outputs.map((c) => `- ${formatChange(c)}`), maxItems), "");
    }
    if (unchanged.length > 0) {
        out.push(`Unchanged: ${unchanged.join(", ")}.`, "");
    }
    return out.join("\n");
}
