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
export * from "./compare";
export * from "./lineDiff";
export * from "./markdown";
export * from "./read";
export * from "./replacements";
