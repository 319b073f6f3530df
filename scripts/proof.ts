/**
 * npm run proof -- <smoke|benchmark|eval> [--stack NAME] [--out DIR]
 *
 * Runs a proof Job on a deployed stack without a `pulumi up`: plans the stack offline with the
 * Job turned on (Pulumi.<stack>.yaml, so keep it as deployed), deletes the Job of that name and
 * creates it from the plan's manifest with kubectl (the stack's `kubeconfig` output, written to
 * a private temp file), follows its log, and for benchmark/eval copies the results the Job
 * reports ("RESULTS s3://...") from the stack's results bucket with the AWS CLI (your own
 * credentials) into DIR/<graph>/<run id>. Needs pulumi, kubectl and aws on PATH.
 * Exit 2 on bad usage, 1 when the Job or a command fails.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROOF_JOB_NAMES, PROOF_LABEL, ProofKind } from "../components/serving/proof/job";
import { KubernetesObject } from "../plan/offline/objects";
import { buildPlan, renderManifest } from "../plan/offline/plan";
import { loadPlanConfig } from "../plan/offline/stackFiles";
import { ConfigKey } from "../stacks/schema";
import { parseCli, UsageError } from "./cliArgs";

const USAGE = "usage: npm run proof -- <smoke|benchmark|eval> [--stack NAME] [--out DIR]";
const ROOT = path.resolve(__dirname, "..");

/** The command's words, the Job kind and the config key that turns it on. */
export const PROOF_COMMANDS: Record<string, { kind: ProofKind; configKey: ConfigKey }> = {
    smoke: { kind: "smoke", configKey: "smokeTest" },
    benchmark: { kind: "benchmark", configKey: "benchmark" },
    eval: { kind: "accuracy", configKey: "accuracyEval" },
};

/** What the command was asked to do. */
export interface ProofRequest {
    command: string;
    kind: ProofKind;
    configKey: ConfigKey;
    /** undefined: pulumi's current stack. */
    stack?: string;
    outDir: string;
}

export const DEFAULT_OUT_DIR = "results";
/** `kubectl logs -f` waits this long for the pod to start (image pull on a system node). */
export const POD_RUNNING_TIMEOUT = "30m";

export function parseProofArgs(argv: string[]): ProofRequest {
    const { positional, values } = parseCli(argv, ["--stack", "--out"], USAGE);
    if (positional.length !== 1 || !(positional[0] in PROOF_COMMANDS)) {
        throw new UsageError(
            `expected one of ${Object.keys(PROOF_COMMANDS).join(", ")}, got ${positional.join(" ") || "nothing"}; ${USAGE}`,
        );
    }
    const { kind, configKey } = PROOF_COMMANDS[positional[0]];
    return { command: positional[0], kind, configKey, stack: values["--stack"], outDir: values["--out"] ?? DEFAULT_OUT_DIR };
}

/** The stack outputs the command reads (components/outputs.ts). */
export interface StackOutputs {
    kubeconfig: string;
    proofResultsBucket: string | null;
    graph: string;
}

/** argv of `pulumi stack output --json --show-secrets` (the kubeconfig is a secret output). */
export function stackOutputArgv(stack: string | undefined): string[] {
    return ["pulumi", "stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])];
}

/** The Job of a kind in a plan's manifests. */
export function jobManifest(manifests: Iterable<KubernetesObject>, kind: ProofKind): KubernetesObject {
    const jobs = [...manifests].filter((o) => o.kind === "Job" && o.metadata.labels?.[PROOF_LABEL] === kind);
    if (jobs.length !== 1) {
        throw new Error(`the plan has ${jobs.length} ${kind} Jobs, expected 1`);
    }
    return jobs[0];
}

/** The kubectl and aws commands of one run, in order. */
export function proofCommandPlan(a: { kubeconfig: string; namespace: string; kind: ProofKind; manifestFile: string }): {
    recreate: string[][];
    follow: string[];
    /** Prints `<succeeded>/<failed>` pod counts, e.g. `1/` or `/1`. */
    status: string[];
} {
    const kubectl = ["kubectl", "--kubeconfig", a.kubeconfig, "-n", a.namespace];
    const job = PROOF_JOB_NAMES[a.kind];
    return {
        recreate: [
            [...kubectl, "delete", "job", job, "--ignore-not-found", "--wait=true"],
            [...kubectl, "create", "-f", a.manifestFile],
        ],
        follow: [...kubectl, "logs", "-f", `job/${job}`, `--pod-running-timeout=${POD_RUNNING_TIMEOUT}`],
        status: [...kubectl, "get", "job", job, "-o", "jsonpath={.status.succeeded}/{.status.failed}"],
    };
}

/** The last `RESULTS s3://bucket/prefix` line of a Job's log (upload.py prints it). */
export function resultsLocation(log: string): { bucket: string; prefix: string } | undefined {
    const matches = [...log.matchAll(/^RESULTS s3:\/\/([^/\s]+)\/(\S+)$/gm)];
    const last = matches[matches.length - 1];
    return last ? { bucket: last[1], prefix: last[2] } : undefined;
}

/** argv of the copy of one run's results to `<outDir>/<prefix>` (prefix = `<graph>/<run id>`). */
export function fetchArgv(location: { bucket: string; prefix: string }, outDir: string): string[] {
    return ["aws", "s3", "cp", "--recursive", `s3://${location.bucket}/${location.prefix}`, path.join(outDir, location.prefix)];
}

function run(argv: string[], capture = false): string {
    const result = spawnSync(argv[0], argv.slice(1), { stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`${argv.slice(0, 3).join(" ")} ... failed (${result.error?.message ?? `exit ${result.status}`})`);
    }
    return result.stdout ?? "";
}

/** Runs a command, streaming its stdout to ours as it comes, and returns it. */
function follow(argv: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
        let text = "";
        child.stdout.on("data", (chunk: Buffer) => {
            process.stdout.write(chunk);
            text += chunk.toString("utf8");
        });
        child.on("error", reject);
        // The log ends with the pod; a non-zero exit here only means kubectl lost the stream.
        child.on("close", () => resolve(text));
    });
}

/** Whether the Job succeeded, once its status says so (the log can end a moment before). */
async function jobSucceeded(statusArgv: string[]): Promise<boolean> {
    for (let attempt = 0; attempt < 30; attempt++) {
        const [succeeded, failed] = run(statusArgv, true).trim().split("/");
        if (succeeded === "1" || failed) {
            return succeeded === "1";
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    return false;
}

async function main(argv: string[]): Promise<number> {
    let request: ProofRequest;
    try {
        request = parseProofArgs(argv);
    } catch (err) {
        console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
        return 2;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pd-proof-"));
    try {
        const outputs = JSON.parse(run(stackOutputArgv(request.stack), true)) as StackOutputs;
        const stack = request.stack ?? run(["pulumi", "stack", "--show-name"], true).trim();
        const planned = await buildPlan(loadPlanConfig(ROOT, stack, [`${request.configKey}=true`]));
        const job = jobManifest(planned.manifests.values(), request.kind);
        const kubeconfig = path.join(tmp, "kubeconfig");
        const kubeconfigText = typeof outputs.kubeconfig === "string" ? outputs.kubeconfig : JSON.stringify(outputs.kubeconfig);
        fs.writeFileSync(kubeconfig, kubeconfigText, { mode: 0o600 });
        const manifestFile = path.join(tmp, "job.yaml");
        fs.writeFileSync(manifestFile, renderManifest(job, []));
        const commands = proofCommandPlan({ kubeconfig, namespace: job.metadata.namespace ?? "default", kind: request.kind, manifestFile });
        commands.recreate.forEach((c) => run(c));
        const log = await follow(commands.follow);
        const ok = await jobSucceeded(commands.status);
        const location = resultsLocation(log);
        if (location) {
            run(fetchArgv(location, request.outDir));
            const dir = path.join(request.outDir, location.prefix);
            console.log(`Results in ${dir}; report: npm run report -- ${path.join(request.outDir, outputs.graph)} --out ${dir}-report`);
        }
        console.log(ok ? `${PROOF_JOB_NAMES[request.kind]} succeeded` : `${PROOF_JOB_NAMES[request.kind]} failed`);
        return ok ? 0 : 1;
    } catch (err) {
        console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
