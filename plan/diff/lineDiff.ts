/** Line diff (a small LCS over lines: manifests are a few hundred lines) and unified diff. */

/** One line of a line diff: kept, removed or added. */
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
                lcs[i * width + j] =
                    midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
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

/** How a unified diff is cut down. */
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
