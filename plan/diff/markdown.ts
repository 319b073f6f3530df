/** The Markdown report a pull request comment shows. */
import { COST_LABELS } from "./compare";
import { REPORT_MARKER } from "./read";
import {
    AddedRemovedChanged,
    HelmReleaseRef,
    NumberDelta,
    PlanDiff,
    ResourceRef,
    SUMMARY_METRICS,
    SummaryDiff,
    SummaryMetric,
    ValueChange,
} from "./compare";
import { splitLines } from "./lineDiff";

/** How much the Markdown report shows before it shortens. */
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
    while (
        suffix < base.length - prefix &&
        suffix < head.length - prefix &&
        base[base.length - 1 - suffix] === head[head.length - 1 - suffix]
    ) {
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

/** ` **replaced** (immutable: a, b)` when a change forces a replacement, else nothing. */
function replaced(paths: readonly string[]): string {
    return paths.length > 0 ? ` **replaced** (immutable: ${paths.map(inlineCode).join(", ")})` : "";
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

function summaryMarkdown(summary: SummaryDiff): string[] {
    const rows: string[] = [];
    const instance = summary.gpuInstanceType;
    for (const metric of SUMMARY_METRICS) {
        const d = summary[metric];
        let label = METRIC_LABELS[metric];
        if (metric === "gpuNodes" && (instance.base || instance.head)) {
            label +=
                instance.base === instance.head || !instance.base || !instance.head
                    ? ` (${instance.head ?? instance.base})`
                    : ` (${instance.base} → ${instance.head})`;
        }
        const moved = d.base !== d.head || (metric === "gpuNodes" && instance.base !== instance.head && d.head !== 0);
        if (moved) {
            rows.push(
                `| ${label} | ${formatNumber(d.base, isMoney(metric))} | ${formatNumber(d.head, isMoney(metric))} | **${formatDelta(d, isMoney(metric))}** |`,
            );
        }
        if (metric === "hourlyCostUsd") {
            for (const [line, c] of Object.entries(summary.costBreakdown)) {
                if (c.base !== c.head) {
                    rows.push(
                        `| ↳ ${COST_LABELS[line] ?? line} | ${formatNumber(c.base, true)} | ${formatNumber(c.head, true)} | ${formatDelta(c, true)} |`,
                    );
                }
            }
        }
    }
    if (rows.length === 0) {
        const gpus = summary.gpusRequested.head;
        const cost = summary.hourlyCostUsd.head;
        return [
            `GPUs and cost unchanged${gpus !== null && cost !== null ? `: ${gpus} GPUs requested of ${summary.gpusProvisioned.head ?? "?"} provisioned, ${formatNumber(cost, true)}` : ""}.`,
        ];
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
        out.push(
            ...limited(
                [
                    ...k8s.added.map((m) => `- added ${inlineCode(m.file)}`),
                    ...k8s.removed.map((m) => `- removed ${inlineCode(m.file)}`),
                    ...k8s.changed.map(
                        (m) =>
                            `- changed ${inlineCode(m.file)} (+${m.linesAdded} −${m.linesRemoved} lines)${replaced(m.replacedBy)}${m.changes.length ? `: ${formatChanges(m.changes, maxPaths)}` : ""}`,
                    ),
                ],
                maxItems,
            ),
            "",
        );
        for (const m of k8s.changed.slice(0, maxItems)) {
            const lines = splitLines(m.diff);
            const shown =
                lines.length > maxDiffLines
                    ? [...lines.slice(0, maxDiffLines), `# … ${lines.length - maxDiffLines} more lines: see the plan artifacts`]
                    : lines;
            out.push(
                `<details${lines.length <= 40 ? " open" : ""}><summary>${escapeHtml(m.file)}</summary>`,
                "",
                codeFence(shown.join("\n"), "diff"),
                "",
                "</details>",
                "",
            );
        }
    } else {
        unchanged.push("Kubernetes objects");
    }

    const helm = diff.helmReleases;
    if (helm.added.length + helm.removed.length + helm.changed.length > 0) {
        const chartOf = (r: HelmReleaseRef) => inlineCode(`${r.chart ?? "?"}${r.version ? `@${r.version}` : ""}`);
        out.push(countsTitle("Helm releases", helm), "");
        out.push(
            ...limited(
                [
                    ...helm.added.map((r) => `- added ${inlineCode(r.name)} (chart ${chartOf(r)})`),
                    ...helm.removed.map((r) => `- removed ${inlineCode(r.name)} (chart ${chartOf(r)})`),
                    ...helm.changed.map((r) => {
                        const details = [
                            r.chart ? `chart ${inlineCode(r.chart.base ?? "(none)")} → ${inlineCode(r.chart.head ?? "(none)")}` : "",
                            r.version
                                ? `version ${inlineCode(r.version.base ?? "(none)")} → ${inlineCode(r.version.head ?? "(none)")}`
                                : "",
                            r.values.length ? `values: ${formatChanges(r.values, maxPaths)}` : "",
                            r.inputs.length ? `inputs: ${formatChanges(r.inputs, maxPaths)}` : "",
                        ].filter(Boolean);
                        return `- changed ${inlineCode(r.name)} (${r.changed.join(", ")}): ${details.join("; ")}`;
                    }),
                ],
                maxItems,
            ),
            "",
        );
    } else {
        unchanged.push("Helm releases");
    }

    const cloud = diff.cloudResources;
    if (cloud.added.length + cloud.removed.length + cloud.changed.length > 0) {
        const name = (r: ResourceRef) => `${inlineCode(r.type)} ${inlineCode(r.name)}`;
        out.push(countsTitle("Cloud resources", cloud), "");
        out.push(
            ...limited(
                [
                    ...cloud.added.map((r) => `- added ${name(r)}`),
                    ...cloud.removed.map((r) => `- removed ${name(r)}`),
                    ...cloud.changed.map((r) => `- changed ${name(r)}${replaced(r.replacedBy)}: ${formatChanges(r.changes, maxPaths)}`),
                ],
                maxItems,
            ),
            "",
        );
    } else {
        unchanged.push("cloud resources");
    }

    if (diff.config.length > 0) {
        out.push(
            `#### Config: ${diff.config.length} changed`,
            "",
            ...limited(
                diff.config.map((c) => `- ${formatChange(c)}`),
                maxItems,
            ),
            "",
        );
    }
    if (diff.outputs.length > 0) {
        out.push(
            `#### Stack outputs: ${diff.outputs.length} changed`,
            "",
            ...limited(
                diff.outputs.map((c) => `- ${formatChange(c)}`),
                maxItems,
            ),
            "",
        );
    }
    if (unchanged.length > 0) {
        out.push(`Unchanged: ${unchanged.join(", ")}.`, "");
    }
    return out.join("\n");
}
