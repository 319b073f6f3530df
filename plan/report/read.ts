/**
 * Reads a results folder as the proof Jobs leave it (and `npm run proof` fetches it): the files
 * `vllm bench serve --save-result` writes and the ones `lm_eval --output_path` writes, found at
 * any depth. Shapes from their sources:
 * - vllm/benchmarks/serve.py (0.31.x): one JSON object per file (one per line with
 *   --append-result) with `completed`, `failed`, `output_throughput`, `request_throughput`,
 *   `max_concurrency`, `num_prompts`, `date` and `mean_/median_/p99_{ttft,tpot,itl}_ms`, plus one
 *   key per `--metadata KEY=VALUE` (values are strings); a `<name>.pytorch.json` twin is skipped.
 * - lm_eval 0.4.12 (evaluator_utils.py): `results_<date>.json` with `results.<task>
 *   ["<metric>,<filter>"]`; gsm8k: `exact_match,strict-match` and `exact_match,flexible-extract`.
 */
import * as fs from "fs";
import * as path from "path";

/** Mean, median and p99 of one latency metric, in ms (undefined when the file lacks them). */
export interface Latency {
    mean?: number;
    median?: number;
    p99?: number;
}

/** One `vllm bench serve` result. */
export interface BenchResult {
    file: string;
    /** Random input/output lengths: from --metadata, else from the file name (`in<I>-out<O>`). */
    inputLen?: number;
    outputLen?: number;
    /** max_concurrency (null in the file when unset). */
    concurrency?: number;
    prompts: number;
    completed: number;
    failed: number;
    outputThroughput: number;
    requestThroughput: number;
    ttft: Latency;
    tpot: Latency;
    itl: Latency;
    /** `%Y%m%d-%H%M%S` of the run: of two results at one point, the later counts. */
    date: string;
}

/** One lm_eval task result. */
export interface EvalResult {
    file: string;
    task: string;
    strict?: number;
    strictStderr?: number;
    flexible?: number;
    flexibleStderr?: number;
}

/** What a results folder holds. */
export interface RunResults {
    /** Name of the run in tables and plot legends. */
    name: string;
    bench: BenchResult[];
    evals: EvalResult[];
    /** Files that are JSON but neither shape, or not JSON. */
    skipped: string[];
}

function jsonFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                return jsonFiles(full);
            }
            return entry.name.endsWith(".json") && !entry.name.endsWith(".pytorch.json") ? [full] : [];
        })
        .sort();
}

/** The JSON objects of a file: one document, or one per line (--append-result). */
function documents(text: string): unknown[] | undefined {
    try {
        return [JSON.parse(text)];
    } catch {
        try {
            return text
                .split("\n")
                .filter((line) => line.trim() !== "")
                .map((line) => JSON.parse(line) as unknown);
        } catch {
            return undefined;
        }
    }
}

type Json = Record<string, unknown>;

const num = (value: unknown): number | undefined => {
    const n = typeof value === "string" ? Number(value) : value;
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
};

function latency(doc: Json, metric: string): Latency {
    return { mean: num(doc[`mean_${metric}_ms`]), median: num(doc[`median_${metric}_ms`]), p99: num(doc[`p99_${metric}_ms`]) };
}

/** A bench result from one JSON object, or undefined if it is not one. */
export function benchResult(file: string, doc: Json): BenchResult | undefined {
    if (num(doc.output_throughput) === undefined || num(doc.completed) === undefined) {
        return undefined;
    }
    const lengths = /in(\d+)-out(\d+)/.exec(path.basename(file));
    return {
        file,
        inputLen: num(doc.random_input_len) ?? num(lengths?.[1]),
        outputLen: num(doc.random_output_len) ?? num(lengths?.[2]),
        concurrency: num(doc.max_concurrency),
        prompts: num(doc.num_prompts) ?? 0,
        completed: num(doc.completed) ?? 0,
        failed: num(doc.failed) ?? 0,
        outputThroughput: num(doc.output_throughput) ?? 0,
        requestThroughput: num(doc.request_throughput) ?? 0,
        ttft: latency(doc, "ttft"),
        tpot: latency(doc, "tpot"),
        itl: latency(doc, "itl"),
        date: typeof doc.date === "string" ? doc.date : "",
    };
}

/** The task results of an lm_eval results file, or [] if it is not one. */
export function evalResults(file: string, doc: Json): EvalResult[] {
    const results = doc.results;
    if (!results || typeof results !== "object" || !("configs" in doc || "n-shot" in doc || "versions" in doc)) {
        return [];
    }
    return Object.entries(results as Record<string, Json>).map(([task, metrics]) => ({
        file,
        task,
        strict: num(metrics["exact_match,strict-match"]),
        strictStderr: num(metrics["exact_match_stderr,strict-match"]),
        flexible: num(metrics["exact_match,flexible-extract"]),
        flexibleStderr: num(metrics["exact_match_stderr,flexible-extract"]),
    }));
}

/** Key of a benchmark point: lengths and concurrency. */
export function pointKey(r: { inputLen?: number; outputLen?: number; concurrency?: number }): string {
    return `${r.inputLen ?? "?"}/${r.outputLen ?? "?"}@${r.concurrency ?? "?"}`;
}

/** Reads every result file under `dir`; of two bench results at one point the later (by `date`) is kept. */
export function readResults(dir: string, name: string = path.basename(path.resolve(dir))): RunResults {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new Error(`results folder ${dir} does not exist`);
    }
    const latest = new Map<string, BenchResult>();
    const evals: EvalResult[] = [];
    const skipped: string[] = [];
    for (const file of jsonFiles(dir)) {
        const docs = documents(fs.readFileSync(file, "utf8"));
        let used = false;
        for (const doc of docs ?? []) {
            if (!doc || typeof doc !== "object") {
                continue;
            }
            const bench = benchResult(file, doc as Json);
            if (bench) {
                const key = pointKey(bench);
                const seen = latest.get(key);
                if (!seen || seen.date <= bench.date) {
                    latest.set(key, bench);
                }
                used = true;
            }
            const tasks = evalResults(file, doc as Json);
            evals.push(...tasks);
            used = used || tasks.length > 0;
        }
        if (!used) {
            skipped.push(path.relative(dir, file));
        }
    }
    const bench = [...latest.values()].sort(
        (a, b) =>
            (a.inputLen ?? 0) - (b.inputLen ?? 0) || (a.outputLen ?? 0) - (b.outputLen ?? 0) || (a.concurrency ?? 0) - (b.concurrency ?? 0),
    );
    return { name, bench, evals, skipped };
}
