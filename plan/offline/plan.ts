/**
 * The offline plan: run the program on mocks, then describe what it would create as plan.json
 * (config, resources, outputs, summary) and one manifest file per Kubernetes object.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify as toYaml } from "yaml";
import { ConfigError } from "../../stacks/errors";
import { parseConfig } from "../../stacks/parse";
import { CONFIG_SCHEMA, ConfigKey, isConfigKey } from "../../stacks/schema";
import { RecordedResource, SECRET_PLACEHOLDER } from "./mocks";
import { isKubernetesObject, KubernetesObject } from "./objects";
import { runProgram } from "./run";
import { PlanConfig } from "./stackFiles";
import { PlanSummary, summarize } from "./summary";

export const REDACTED = "<redacted>";

/** What plan.json holds. */
export interface Plan {
    stack: string;
    config: Record<string, unknown>;
    resources: { type: string; name: string; parent: string | null; dependsOn: string[]; inputs: Record<string, unknown> }[];
    outputs: Record<string, unknown>;
    summary: PlanSummary;
}

/** A plan with its manifests, ready to write. */
export interface PlanResult {
    plan: Plan;
    /** File name (`<namespace>.<kind>.<name>.yaml`) -> object, Secret data redacted. */
    manifests: Map<string, KubernetesObject>;
    recorded: RecordedResource[];
}

/** Secret data never leaves the program: every value of data/stringData is redacted. */
function redactObject(object: KubernetesObject): KubernetesObject {
    if (object.kind !== "Secret") {
        return object;
    }
    const redacted: KubernetesObject = { ...object };
    for (const field of ["data", "stringData"]) {
        const values = object[field];
        if (values !== null && typeof values === "object" && !Array.isArray(values)) {
            redacted[field] = Object.fromEntries(Object.keys(values).map((k) => [k, REDACTED]));
        } else if (values !== undefined) {
            redacted[field] = REDACTED;
        }
    }
    return redacted;
}

export function manifestFileName(object: KubernetesObject): string {
    return `${object.metadata.namespace ?? "_cluster"}.${object.kind}.${object.metadata.name}.yaml`;
}

/** Config as the program sees it, typed per the schema; secrets redacted. */
function displayConfig(planConfig: PlanConfig): Record<string, unknown> {
    const prefix = `${planConfig.project}:`;
    const raw: Record<string, string> = {};
    const other: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(planConfig.config)) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = value;
        } else {
            other[key] = planConfig.secretKeys.includes(key) ? SECRET_PLACEHOLDER : value;
        }
    }
    const typed = parseConfig(raw) as Record<ConfigKey, unknown>;
    const shown: Record<string, unknown> = { ...other };
    for (const key of Object.keys(typed).filter(isConfigKey)) {
        const isSecret = "secret" in CONFIG_SCHEMA[key] || planConfig.secretKeys.includes(prefix + key);
        shown[key] = isSecret && typed[key] !== "" ? SECRET_PLACEHOLDER : (typed[key] ?? null);
    }
    return shown;
}

export async function buildPlan(planConfig: PlanConfig): Promise<PlanResult> {
    const run = await runProgram(planConfig);
    const config = displayConfig(planConfig);
    const manifests = new Map<string, KubernetesObject>();
    for (const resource of run.resources.filter(isKubernetesObject)) {
        const object = redactObject(resource.inputs as unknown as KubernetesObject);
        manifests.set(manifestFileName(object), object);
    }
    const resources = run.resources.map((r) => ({
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        dependsOn: r.dependencies,
        inputs:
            r.type === "kubernetes:core/v1:Secret"
                ? (redactObject(r.inputs as unknown as KubernetesObject) as unknown as Record<string, unknown>)
                : r.inputs,
    }));
    const region = String(planConfig.config["aws:region"] ?? "");
    const summary = summarize(planConfig.stack, { graph: String(config.graph), model: String(config.model) }, region, run.resources);
    return { plan: { stack: planConfig.stack, config, resources, outputs: run.outputs, summary }, manifests, recorded: run.resources };
}

/** Recursively sorted keys, so output does not depend on registration timing. */
export function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/**
 * Redacts plaintext secrets on the parsed structure (belt and braces behind the mocks' secret
 * marking): every string value or key that contains a secret becomes REDACTED as a whole. Never
 * a replacement in the rendered text, which could cut through JSON or YAML syntax (a secret such
 * as `"` or `: ` would corrupt the file) and would leave parts of a value that contains one.
 */
export function redactSecrets(value: unknown, secretValues: readonly string[]): unknown {
    const secrets = secretValues.filter((s) => s.length > 0);
    const hides = (text: string) => secrets.some((secret) => text.includes(secret));
    const walk = (v: unknown): unknown => {
        if (typeof v === "string") {
            return hides(v) ? REDACTED : v;
        }
        if (Array.isArray(v)) {
            return v.map(walk);
        }
        if (v !== null && typeof v === "object") {
            const out: Record<string, unknown> = {};
            let hidden = 0;
            for (const [k, inner] of Object.entries(v)) {
                out[hides(k) ? `${REDACTED}-${++hidden}` : k] = walk(inner);
            }
            return out;
        }
        return v;
    };
    return secrets.length === 0 ? value : walk(value);
}

export function renderPlanJson(plan: Plan, secretValues: string[]): string {
    return JSON.stringify(sortKeys(redactSecrets(plan, secretValues)), null, 2) + "\n";
}

export function renderManifest(object: KubernetesObject, secretValues: string[]): string {
    return toYaml(sortKeys(redactSecrets(object, secretValues)), { lineWidth: 0 });
}

/**
 * `--out` is emptied before writing, so it must be a new or empty folder or an earlier plan
 * (one that holds plan.json), never the repository or a home directory.
 */
export function checkOutDir(outDir: string, repoRoot: string): void {
    const resolved = path.resolve(outDir);
    let existing = resolved;
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
        existing = path.dirname(existing);
    }
    if (!fs.statSync(existing).isDirectory()) {
        throw new ConfigError(
            "--out",
            outDir,
            `${existing === resolved ? "is" : `is inside ${existing}, which is`} a file, not a folder: give a new or empty folder or an earlier plan's folder (one with plan.json).`,
        );
    }
    const forbidden = [path.resolve(repoRoot), path.parse(resolved).root, process.env.HOME ? path.resolve(process.env.HOME) : ""];
    const looksLikePlan =
        !fs.existsSync(resolved) || fs.readdirSync(resolved).length === 0 || fs.existsSync(path.join(resolved, "plan.json"));
    if (forbidden.includes(resolved) || path.resolve(repoRoot).startsWith(resolved + path.sep) || !looksLikePlan) {
        throw new ConfigError(
            "--out",
            outDir,
            "is emptied before writing: give a new or empty folder or an earlier plan's folder (one with plan.json).",
        );
    }
}

/** Empties `outDir` and writes plan.json and manifests/. */
export function writePlan(result: PlanResult, outDir: string, secretValues: string[]): void {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "manifests"), { recursive: true });
    fs.writeFileSync(path.join(outDir, "plan.json"), renderPlanJson(result.plan, secretValues));
    for (const [file, object] of [...result.manifests.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        fs.writeFileSync(path.join(outDir, "manifests", file), renderManifest(object, secretValues));
    }
}
