/**
 * npm run bench -- [--stack <name>] [--runs <n>]
 *
 * Times the offline plan as users run it: one whole `tsx scripts/plan.ts` process per run (module
 * loading included), for the stack as it is and scaled to 64+64 and 512+512 prefill+decode pods.
 * Prints median/min/max wall time per configuration, the resource count from plan.json's
 * summary, and each median relative to the unscaled configuration's.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

interface Args {
    stack: string;
    runs: number;
}

interface Configuration {
    label: string;
    sets: string[];
}

interface Measurement {
    configuration: Configuration;
    timesMs: number[];
    resourceCount: number;
    kubernetesObjects: number;
    gpuNodes: number;
}

function usage(message: string): never {
    console.error(`error: ${message}\nusage: npm run bench -- [--stack <name>] [--runs <n>]`);
    process.exit(2);
}

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "llama31-pd", runs: 5 };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] =
            argv[i].startsWith("--") && argv[i].includes("=")
                ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
                : [argv[i], undefined];
        const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
        if (flag === "--stack") {
            args.stack = value();
        } else if (flag === "--runs") {
            const text = value();
            args.runs = Number(text);
            if (!/^\d+$/.test(text) || args.runs < 1) {
                usage(`--runs must be a positive integer, got ${JSON.stringify(text)}`);
            }
        } else {
            usage(`unknown argument ${JSON.stringify(argv[i])}`);
        }
    }
    return args;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One offline plan as a whole process; returns its wall time and plan.json's summary. */
function planOnce(stack: string, sets: string[], out: string): { ms: number; summary: Record<string, number> } {
    const argv = ["scripts/plan.ts", "--stack", stack, "--out", out, ...sets.flatMap((s) => ["--set", s])];
    const start = process.hrtime.bigint();
    const result = spawnSync(TSX, argv, { cwd: ROOT, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.error) {
        throw result.error;
    }
    if (result.status !== 0) {
        throw new Error(`plan ${[stack, ...sets].join(" ")} exited ${result.status}:\n${result.stderr}`);
    }
    const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as { summary: Record<string, number> };
    return { ms, summary: plan.summary };
}

function main(): void {
    const args = parseArgs(process.argv.slice(2));
    if (!fs.existsSync(TSX)) {
        usage(`${TSX} not found; run npm ci first`);
    }
    if (!fs.existsSync(path.join(ROOT, `Pulumi.${args.stack}.yaml`))) {
        usage(`no Pulumi.${args.stack}.yaml`);
    }
    const configurations: Configuration[] = [
        { label: `${args.stack} as is`, sets: [] },
        { label: "64+64", sets: ["prefillReplicas=64", "decodeReplicas=64"] },
        // gpuNodeCount stays unset (derived) unless the stack file pins it; then it must grow too.
        { label: "512+512", sets: ["prefillReplicas=512", "decodeReplicas=512"] },
    ];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-bench-"));
    const measurements: Measurement[] = [];
    try {
        console.log(
            `Offline plan benchmark: stack ${args.stack}, ${args.runs} run(s) per configuration, one process per run (${os.cpus().length} CPUs, node ${process.version})`,
        );
        for (const configuration of configurations) {
            const out = path.join(tmp, configuration.label.replace(/[^\w.+-]+/g, "_"));
            // One warm-up run (fills tsx's transform cache and the OS file cache), not measured.
            let last = planOnce(args.stack, configuration.sets, out);
            const timesMs: number[] = [];
            for (let run = 0; run < args.runs; run++) {
                last = planOnce(args.stack, configuration.sets, out);
                timesMs.push(last.ms);
                process.stderr.write(".");
            }
            process.stderr.write("\n");
            measurements.push({
                configuration,
                timesMs,
                resourceCount: last.summary.resourceCount,
                kubernetesObjects: last.summary.kubernetesObjects,
                gpuNodes: last.summary.gpuNodes,
            });
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }

    const baseline = median(measurements[0].timesMs);
    const rows = [
        ["configuration", "median ms", "min ms", "max ms", "resources", "k8s objects", "GPU nodes", "x baseline"],
        ...measurements.map((m) => [
            m.configuration.label,
            median(m.timesMs).toFixed(0),
            Math.min(...m.timesMs).toFixed(0),
            Math.max(...m.timesMs).toFixed(0),
            String(m.resourceCount),
            String(m.kubernetesObjects),
            String(m.gpuNodes),
            (median(m.timesMs) / baseline).toFixed(2),
        ]),
    ];
    const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
    for (const row of rows) {
        console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join("  "));
    }
}

main();
