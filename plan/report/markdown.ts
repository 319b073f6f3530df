/**
 * The report's tables: one per run (every benchmark point with the published point beside it and
 * the ratio, then gsm8k), and with two runs a comparison table. Pure: runs in, Markdown out.
 */
import { BenchResult, EvalResult, Latency, pointKey, RunResults } from "./read";
import { REFERENCE_GSM8K, REFERENCE_SERIES, ReferencePoint, referenceFor } from "./reference";

/** A workload: random input and output lengths. */
export interface Workload {
    inputLen?: number;
    outputLen?: number;
}

/** Every workload of the runs, then the published ones no run has (shown as not run). */
export function workloads(runs: RunResults[]): Workload[] {
    const seen = new Map<string, Workload>();
    for (const r of runs.flatMap((run) => run.bench)) {
        seen.set(`${r.inputLen}/${r.outputLen}`, { inputLen: r.inputLen, outputLen: r.outputLen });
    }
    for (const s of REFERENCE_SERIES) {
        seen.set(`${s.inputLen}/${s.outputLen}`, { inputLen: s.inputLen, outputLen: s.outputLen });
    }
    return [...seen.values()].sort((a, b) => (a.inputLen ?? 0) - (b.inputLen ?? 0) || (a.outputLen ?? 0) - (b.outputLen ?? 0));
}

/** Concurrencies of a workload in any run or its reference, ascending. */
export function concurrencies(runs: RunResults[], w: Workload): (number | undefined)[] {
    const ours = runs.flatMap((run) => run.bench.filter((r) => sameWorkload(r, w)).map((r) => r.concurrency));
    const published = referenceFor(w.inputLen, w.outputLen)?.points.map((p) => p.concurrency) ?? [];
    return [...new Set([...ours, ...published])].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
}

export const sameWorkload = (r: Workload, w: Workload) => r.inputLen === w.inputLen && r.outputLen === w.outputLen;

/** The result of a run at a point, if it ran. */
export function resultAt(run: RunResults, w: Workload, concurrency: number | undefined): BenchResult | undefined {
    return run.bench.find((r) => pointKey(r) === pointKey({ ...w, concurrency }));
}

/** The published point at a workload and concurrency, if any. */
export function referenceAt(w: Workload, concurrency: number | undefined): ReferencePoint | undefined {
    return referenceFor(w.inputLen, w.outputLen)?.points.find((p) => p.concurrency === concurrency);
}

const dash = "—";
const int = (n: number | undefined) => (n === undefined ? dash : Math.round(n).toLocaleString("en-US"));
const ms = (n: number | undefined) => (n === undefined ? dash : n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));
const lat = (l: Latency) => `${ms(l.mean)} / ${ms(l.median)} / ${ms(l.p99)}`;
/** ours / reference, printed as `0.93×`. */
export function ratio(ours: number | undefined, reference: number | undefined): string {
    return ours === undefined || reference === undefined || reference === 0 ? dash : `${(ours / reference).toFixed(2)}×`;
}
const workloadName = (w: Workload) => `${w.inputLen ?? "?"}/${w.outputLen ?? "?"}`;
const pct = (n: number | undefined, stderr?: number) =>
    n === undefined ? dash : `${(n * 100).toFixed(2)}%${stderr === undefined ? "" : ` ± ${(stderr * 100).toFixed(2)}`}`;

function table(header: string[], rows: string[][]): string {
    return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Errors of a point: failed requests, and requests that never completed. */
function errors(r: BenchResult): string {
    const missing = Math.max(0, r.prompts - r.completed - r.failed);
    const parts = [r.failed > 0 ? `${r.failed} failed` : "", missing > 0 ? `${missing} missing` : ""].filter(Boolean);
    return parts.length ? `**${parts.join(", ")}**` : "0";
}

/** The benchmark table of one run. */
export function benchTable(run: RunResults, all: RunResults[]): string {
    const header = [
        "ISL/OSL",
        "conc.",
        "completed / prompts",
        "errors",
        "output tok/s",
        "published tok/s",
        "ratio",
        "req/s",
        "TTFT mean / median / p99 (ms)",
        "published TTFT",
        "ratio",
        "TPOT mean / median / p99 (ms)",
        "published TPOT",
        "ratio",
        "ITL mean / median / p99 (ms)",
    ];
    const rows: string[][] = [];
    for (const w of workloads(all)) {
        for (const c of concurrencies(all, w)) {
            const r = resultAt(run, w, c);
            const ref = referenceAt(w, c);
            if (!r && !ref) {
                continue;
            }
            const refCells = [int(ref?.outputThroughput)];
            if (!r) {
                rows.push([
                    workloadName(w),
                    String(c ?? "?"),
                    "not run",
                    dash,
                    dash,
                    ...refCells,
                    dash,
                    dash,
                    dash,
                    ms(ref?.meanTtftMs),
                    dash,
                    dash,
                    ms(ref?.meanTpotMs),
                    dash,
                    dash,
                ]);
                continue;
            }
            rows.push([
                workloadName(w),
                String(c ?? "?"),
                `${r.completed} / ${r.prompts}`,
                errors(r),
                int(r.outputThroughput),
                ...refCells,
                ratio(r.outputThroughput, ref?.outputThroughput),
                r.requestThroughput.toFixed(2),
                lat(r.ttft),
                ms(ref?.meanTtftMs),
                ratio(r.ttft.mean, ref?.meanTtftMs),
                lat(r.tpot),
                ms(ref?.meanTpotMs),
                ratio(r.tpot.mean, ref?.meanTpotMs),
                lat(r.itl),
            ]);
        }
    }
    return table(header, rows);
}

/** The gsm8k table of one or more runs, with the published accuracy and the ratio. */
export function accuracyTable(runs: RunResults[]): string {
    const ref = REFERENCE_GSM8K;
    const rows = runs.flatMap((run) =>
        run.evals.map((e: EvalResult) => {
            const published = e.task === ref.task;
            return [
                run.name,
                e.task,
                pct(e.strict, e.strictStderr),
                published ? pct(ref.strict) : dash,
                published ? ratio(e.strict, ref.strict) : dash,
                pct(e.flexible, e.flexibleStderr),
                published ? pct(ref.flexible) : dash,
                published ? ratio(e.flexible, ref.flexible) : dash,
            ];
        }),
    );
    if (rows.length === 0) {
        return "No lm_eval results.";
    }
    const header = ["run", "task", "strict-match", "published", "ratio", "flexible-extract", "published", "ratio"];
    return table(header, rows);
}

/** Two runs side by side at every point, with B / A. */
export function compareTable(a: RunResults, b: RunResults): string {
    const header = [
        "ISL/OSL",
        "conc.",
        `${a.name} tok/s`,
        `${b.name} tok/s`,
        `${b.name} / ${a.name}`,
        "published tok/s",
        `${a.name} TTFT mean (ms)`,
        `${b.name} TTFT mean (ms)`,
        `${a.name} TPOT mean (ms)`,
        `${b.name} TPOT mean (ms)`,
        `${a.name} errors`,
        `${b.name} errors`,
    ];
    const rows: string[][] = [];
    for (const w of workloads([a, b])) {
        for (const c of concurrencies([a, b], w)) {
            const [ra, rb] = [resultAt(a, w, c), resultAt(b, w, c)];
            const ref = referenceAt(w, c);
            if (!ra && !rb && !ref) {
                continue;
            }
            rows.push([
                workloadName(w),
                String(c ?? "?"),
                ra ? int(ra.outputThroughput) : "not run",
                rb ? int(rb.outputThroughput) : "not run",
                ratio(rb?.outputThroughput, ra?.outputThroughput),
                int(ref?.outputThroughput),
                ms(ra?.ttft.mean),
                ms(rb?.ttft.mean),
                ms(ra?.tpot.mean),
                ms(rb?.tpot.mean),
                ra ? errors(ra) : dash,
                rb ? errors(rb) : dash,
            ]);
        }
    }
    return table(header, rows);
}

export { workloadName };
