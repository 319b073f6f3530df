/**
 * `npm run report`: turns the proof Jobs' result files (one folder per run; a second with
 * --compare) into report.md and SVG plots, with the published numbers beside ours.
 *
 * It lives under plan/ with plan/diff: offline, Pulumi-free tools over files the project writes,
 * type-checked and linted with the rest; readResults does the reading, the rest is pure.
 */
import * as fs from "fs";
import * as path from "path";
import {
    accuracyTable,
    benchTable,
    compareTable,
    concurrencies,
    ratio,
    referenceAt,
    resultAt,
    Workload,
    workloadName,
    workloads,
} from "./markdown";
import { BenchResult, RunResults } from "./read";
import { REFERENCE_GSM8K, REFERENCE_SERIES, referenceFor } from "./reference";
import { Chart, ChartSeries, lineChart } from "./svg";

export * from "./read";
export * from "./reference";
export * from "./svg";
export * from "./markdown";

/** What a report consists of. */
export interface Report {
    markdown: string;
    /** SVG file name -> document. */
    plots: Record<string, string>;
}

type Metric = {
    file: string;
    title: string;
    yLabel: string;
    ours: (r: BenchResult) => number | undefined;
    published: (w: Workload, c: number) => number | undefined;
};

const METRICS: Metric[] = [
    {
        file: "throughput",
        title: "Output throughput",
        yLabel: "output tok/s",
        ours: (r) => r.outputThroughput,
        published: (w, c) => referenceAt(w, c)?.outputThroughput,
    },
    { file: "ttft", title: "Mean TTFT", yLabel: "TTFT (ms)", ours: (r) => r.ttft.mean, published: (w, c) => referenceAt(w, c)?.meanTtftMs },
    { file: "tpot", title: "Mean TPOT", yLabel: "TPOT (ms)", ours: (r) => r.tpot.mean, published: (w, c) => referenceAt(w, c)?.meanTpotMs },
];

/** The plot file of a metric at a workload. */
export function plotFile(metric: string, w: Workload): string {
    return `${metric}-in${w.inputLen ?? "unknown"}-out${w.outputLen ?? "unknown"}.svg`;
}

/** One chart: a series per run, then the published series; our points note their ratio to it. */
export function chartFor(metric: Metric, runs: RunResults[], w: Workload): Chart {
    const cs = concurrencies(runs, w).filter((c): c is number => c !== undefined);
    const series: ChartSeries[] = runs.map((run) => ({
        name: run.name,
        points: cs.flatMap((c) => {
            const r = resultAt(run, w, c);
            const y = r ? metric.ours(r) : undefined;
            if (y === undefined) {
                return [];
            }
            const ref = metric.published(w, c);
            return [{ x: c, y, note: ref === undefined ? undefined : `${ratio(y, ref)} ref` }];
        }),
    }));
    const reference = referenceFor(w.inputLen, w.outputLen);
    if (reference) {
        const points = cs.flatMap((c) => {
            const y = metric.published(w, c);
            return y === undefined ? [] : [{ x: c, y }];
        });
        if (points.length > 0) {
            series.push({ name: `${reference.name} (published)`, points, reference: true });
        }
    }
    return { title: `${metric.title}, ISL/OSL ${workloadName(w)}`, xLabel: "max concurrency", yLabel: metric.yLabel, series };
}

/** report.md and the plots for one run, or two with a comparison. */
export function generateReport(runs: RunResults[]): Report {
    if (runs.length < 1 || runs.length > 2) {
        throw new Error(`a report covers one run, or two with --compare; got ${runs.length}`);
    }
    const plots: Record<string, string> = {};
    const md: string[] = [`# Benchmark and accuracy report: ${runs.map((r) => r.name).join(" vs ")}`, ""];
    md.push(
        "Output tok/s: generated tokens per second over the run. TTFT: time to first token. TPOT: time per output token after the first. ITL: gap between streamed tokens. " +
            "Ratios are ours / published (above 1 is faster for tok/s, slower for TTFT and TPOT). Published numbers:",
        "",
        ...REFERENCE_SERIES.map((s) => `- ${s.name}, ISL/OSL ${s.inputLen}/${s.outputLen}, ${s.prompts} prompts: ${s.source}.`),
        `- gsm8k: ${REFERENCE_GSM8K.source}.`,
        "",
    );
    for (const run of runs) {
        md.push(
            `## Run ${run.name}`,
            "",
            "### Benchmark (`vllm bench serve`)",
            "",
            benchTable(run, runs),
            "",
            "### Accuracy (`lm_eval`)",
            "",
            accuracyTable([run]),
            "",
        );
        if (run.skipped.length > 0) {
            md.push(`Files that are neither result shape, skipped: ${run.skipped.join(", ")}.`, "");
        }
    }
    if (runs.length === 2) {
        md.push(`## ${runs[0].name} vs ${runs[1].name}`, "", compareTable(runs[0], runs[1]), "", accuracyTable(runs), "");
    }
    md.push("## Plots", "");
    for (const w of workloads(runs)) {
        if (!runs.some((run) => run.bench.some((r) => r.inputLen === w.inputLen && r.outputLen === w.outputLen))) {
            continue;
        }
        for (const metric of METRICS) {
            const file = plotFile(metric.file, w);
            const chart = chartFor(metric, runs, w);
            if (chart.series.every((s) => s.points.length === 0)) {
                continue;
            }
            plots[file] = lineChart(chart);
            md.push(`![${chart.title}](${file})`, "");
        }
    }
    return { markdown: md.join("\n"), plots };
}

/** Writes report.md and the plots into `outDir`; returns the files written. */
export function writeReport(outDir: string, report: Report): string[] {
    fs.mkdirSync(outDir, { recursive: true });
    const files = [path.join(outDir, "report.md"), ...Object.keys(report.plots).map((f) => path.join(outDir, f))];
    fs.writeFileSync(files[0], report.markdown);
    for (const [file, svg] of Object.entries(report.plots)) {
        fs.writeFileSync(path.join(outDir, file), svg);
    }
    return files;
}
