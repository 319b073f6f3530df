/**
 * The metric names a PromQL expression reads: identifiers that are not functions, aggregation
 * operators, keywords, label names (inside `{}`, `by (...)`, `on (...)`) or durations.
 */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"]);
/** Aggregation operators: also written `sum by (x) (...)`, so not always followed by "(". */
const AGGREGATIONS = new Set([
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
]);

/** Metric names in `expr`, in order of first appearance. */
export function metricNames(expr: string): string[] {
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1");
    const names: string[] = [];
    for (const match of stripped.matchAll(/(?<![0-9.a-zA-Z_:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
        const [, name, call] = match;
        if (!call && !KEYWORDS.has(name) && !AGGREGATIONS.has(name) && !names.includes(name)) {
            names.push(name);
        }
    }
    return names;
}
