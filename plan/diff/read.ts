/** Reading plan directories: plan.json and the manifests a plan wrote. */
import * as fs from "fs";
import * as path from "path";

/** First line of every report, so a workflow can find (and update) the one PR comment. */
export const REPORT_MARKER = "<!-- pd-serving-plan-diff -->";

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

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
        for (const file of fs
            .readdirSync(manifestDir)
            .filter((f) => f.endsWith(".yaml"))
            .sort()) {
            manifests.set(file, fs.readFileSync(path.join(manifestDir, file), "utf8"));
        }
    }
    return { dir, exists: true, plan, manifests };
}
