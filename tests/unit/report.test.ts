/**
 * `npm run report` on result files written here in the shapes `vllm bench serve --save-result`
 * (vllm/benchmarks/serve.py, 0.31.x) and `lm_eval --output_path` (0.4.12) write: the table per
 * run with the published numbers and ratios, errors of a run with a failed request, a
 * concurrency point that did not run, the SVG plots (well-formed, one series per run, the
 * published series beside ours), and --compare.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateReport, readResults } from "../../plan/report";
import { main as reportMain, parseReportRequest } from "../../scripts/report";
import { descendants, parseXml, XmlElement } from "../helpers/xml";

interface Point {
    input: number;
    output: number;
    concurrency: number;
    prompts: number;
    tput: number;
    ttft: number;
    tpot: number;
    failed?: number;
    date?: string;
}

/** A result file as serve.py writes it (without --save-detailed), and its .pytorch.json twin. */
function writeBench(dir: string, p: Point, graph: string): void {
    const failed = p.failed ?? 0;
    const doc = {
        date: p.date ?? "20261201-101500",
        endpoint_type: "openai",
        backend: "openai",
        label: graph,
        model_id: "meta-llama/Llama-3.1-8B-Instruct",
        tokenizer_id: "meta-llama/Llama-3.1-8B-Instruct",
        num_prompts: p.prompts,
        graph,
        series: "pd-table",
        random_input_len: String(p.input),
        random_output_len: String(p.output),
        request_rate: "inf",
        burstiness: 1.0,
        max_concurrency: p.concurrency,
        duration: 120.5,
        completed: p.prompts - failed,
        failed,
        total_input_tokens: p.input * p.prompts,
        total_output_tokens: p.output * (p.prompts - failed),
        request_throughput: p.tput / p.output,
        request_goodput: null,
        output_throughput: p.tput,
        total_token_throughput: p.tput * 2,
        max_output_tokens_per_s: p.tput * 1.2,
        max_concurrent_requests: p.concurrency,
        latencies: [1.0, 2.0],
        queue_times: [0, 0],
        mean_ttft_ms: p.ttft,
        median_ttft_ms: p.ttft * 0.9,
        std_ttft_ms: 5,
        p50_ttft_ms: p.ttft * 0.9,
        p90_ttft_ms: p.ttft * 1.5,
        p99_ttft_ms: p.ttft * 2,
        mean_tpot_ms: p.tpot,
        median_tpot_ms: p.tpot,
        std_tpot_ms: 0.1,
        p99_tpot_ms: p.tpot * 1.5,
        mean_itl_ms: p.tpot,
        median_itl_ms: p.tpot,
        std_itl_ms: 0.2,
        p99_itl_ms: p.tpot * 3,
    };
    const name = `bench-pd-table-in${p.input}-out${p.output}-c${p.concurrency}`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(doc));
    fs.writeFileSync(path.join(dir, `${name}.pytorch.json`), JSON.stringify([{ benchmark: { name: "vLLM benchmark" } }]));
}

/** lm_eval's results_<date>.json under <output_path>/<model sanitised>/, and a samples file. */
function writeEval(dir: string, strict: number, flexible: number): void {
    const model = path.join(dir, "lm_eval", "meta-llama__Llama-3.1-8B-Instruct");
    fs.mkdirSync(model, { recursive: true });
    const doc = {
        results: {
            gsm8k: {
                alias: "gsm8k",
                "exact_match,strict-match": strict,
                "exact_match_stderr,strict-match": 0.0126,
                "exact_match,flexible-extract": flexible,
                "exact_match_stderr,flexible-extract": 0.0115,
            },
        },
        group_subtasks: { gsm8k: [] },
        configs: { gsm8k: { task: "gsm8k", num_fewshot: 5 } },
        versions: { gsm8k: 3.0 },
        "n-shot": { gsm8k: 5 },
        config: { model: "local-completions" },
        model_name: "meta-llama/Llama-3.1-8B-Instruct",
    };
    fs.writeFileSync(path.join(model, "results_2026-12-01T10-15-30.123456.json"), JSON.stringify(doc));
    fs.writeFileSync(path.join(model, "samples_gsm8k_2026-12-01T10-15-30.123456.jsonl"), '{"doc_id": 0}\n');
}

/** The table row of a workload and concurrency in the section of a run. */
function row(markdown: string, section: string, workload: string, concurrency: number): string[] {
    const start = markdown.indexOf(`## ${section}`);
    assert.ok(start >= 0, `no section ${section}`);
    const next = markdown.indexOf("\n## ", start + 3);
    const lines = markdown.slice(start, next < 0 ? undefined : next).split("\n");
    const found = lines.find((l) => l.startsWith(`| ${workload} | ${concurrency} |`));
    assert.ok(found, `no row ${workload} c${concurrency} in ${section}`);
    return found
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
}

function seriesOf(svg: string): XmlElement[] {
    return descendants(parseXml(svg)).filter((e) => e.name === "g" && e.attributes.class === "series");
}

describe("report", () => {
    let tmp: string;
    let routerDir: string;
    let dynamoDir: string;

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "report-test-"));
        routerDir = path.join(tmp, "vllm-router");
        dynamoDir = path.join(tmp, "dynamo");
        const bench = path.join(routerDir, "20261201T100000Z", "benchmark");
        writeBench(bench, { input: 2000, output: 2000, concurrency: 16, prompts: 100, tput: 2300, ttft: 70, tpot: 6.2 }, "vllm-router");
        // c32 with one failed request; an older c32 run in another run folder is superseded.
        writeBench(
            bench,
            { input: 1000, output: 1000, concurrency: 32, prompts: 200, tput: 4500, ttft: 85, tpot: 6.1, failed: 1 },
            "vllm-router",
        );
        writeBench(
            path.join(routerDir, "20261130T100000Z", "benchmark"),
            { input: 1000, output: 1000, concurrency: 32, prompts: 200, tput: 999, ttft: 1, tpot: 1, date: "20261130-100000" },
            "vllm-router",
        );
        // No c64 point.
        writeBench(bench, { input: 1000, output: 1000, concurrency: 128, prompts: 200, tput: 15221, ttft: 231, tpot: 7.15 }, "vllm-router");
        writeBench(bench, { input: 8000, output: 250, concurrency: 32, prompts: 200, tput: 3000, ttft: 800, tpot: 8 }, "vllm-router");
        writeEval(path.join(routerDir, "20261201T110000Z"), 0.71, 0.7905);
        const dyn = path.join(dynamoDir, "20261201T120000Z", "benchmark");
        writeBench(dyn, { input: 1000, output: 1000, concurrency: 32, prompts: 200, tput: 5000, ttft: 70, tpot: 5.9 }, "dynamo");
        writeBench(dyn, { input: 1000, output: 1000, concurrency: 64, prompts: 200, tput: 7000, ttft: 90, tpot: 6.5 }, "dynamo");
        fs.writeFileSync(path.join(dynamoDir, "notes.json"), JSON.stringify({ hello: "world" }));
    });

    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("reads bench results (not the .pytorch.json twins, the latest of a point) and lm_eval results", () => {
        const run = readResults(routerDir);
        assert.strictEqual(run.name, "vllm-router");
        assert.deepStrictEqual(
            run.bench.map((r) => [r.inputLen, r.outputLen, r.concurrency]),
            [
                [1000, 1000, 32],
                [1000, 1000, 128],
                [2000, 2000, 16],
                [8000, 250, 32],
            ],
        );
        const c32 = run.bench[0];
        assert.deepStrictEqual([c32.outputThroughput, c32.completed, c32.failed], [4500, 199, 1]);
        assert.deepStrictEqual(c32.ttft, { mean: 85, median: 76.5, p99: 170 });
        assert.deepStrictEqual(
            run.evals.map((e) => [e.task, e.strict, e.flexible]),
            [["gsm8k", 0.71, 0.7905]],
        );
        assert.deepStrictEqual(run.skipped, []);
        assert.deepStrictEqual(readResults(dynamoDir).skipped, ["notes.json"]);
    });

    it("tabulates each point with the published number beside it and ours / published", () => {
        const { markdown } = generateReport([readResults(routerDir)]);
        const c32 = row(markdown, "Run vllm-router", "1000/1000", 32);
        assert.deepStrictEqual(c32.slice(2, 8), ["199 / 200", "**1 failed**", "4,500", "4,752", "0.95×", "4.50"]);
        assert.deepStrictEqual(c32.slice(8, 14), ["85.0 / 76.5 / 170", "79.0", "1.08×", "6.10 / 6.10 / 9.15", "5.95", "1.03×"]);
        const c128 = row(markdown, "Run vllm-router", "1000/1000", 128);
        assert.deepStrictEqual([c128[3], c128[4], c128[5], c128[6]], ["0", "15,221", "15,221", "1.00×"]);
        const seed = row(markdown, "Run vllm-router", "2000/2000", 16);
        assert.deepStrictEqual([seed[4], seed[5], seed[6], seed[9], seed[12]], ["2,300", "2,375", "0.97×", "64.0", "6.00"]);
        // The long-input point has nothing published.
        assert.deepStrictEqual(row(markdown, "Run vllm-router", "8000/250", 32).slice(4, 7), ["3,000", "—", "—"]);
    });

    it("shows a published concurrency point the run lacks as not run", () => {
        const { markdown } = generateReport([readResults(routerDir)]);
        const c64 = row(markdown, "Run vllm-router", "1000/1000", 64);
        assert.strictEqual(c64[2], "not run");
        assert.strictEqual(c64[5], "6,626");
        assert.strictEqual(row(markdown, "Run vllm-router", "1000/1000", 256)[2], "not run");
    });

    it("tabulates gsm8k strict-match and flexible-extract beside the published 0.7036 and 0.775", () => {
        const { markdown } = generateReport([readResults(routerDir)]);
        const line = markdown.split("\n").find((l) => l.startsWith("| vllm-router | gsm8k |"));
        assert.ok(line);
        const cells = line
            .split("|")
            .slice(1, -1)
            .map((c) => c.trim());
        assert.deepStrictEqual(cells.slice(2), ["71.00% ± 1.26", "70.36%", "1.01×", "79.05% ± 1.15", "77.50%", "1.02×"]);
    });

    it("plots tok/s, TTFT and TPOT against concurrency as well-formed SVG with our series and the published one", () => {
        const { markdown, plots } = generateReport([readResults(routerDir)]);
        assert.deepStrictEqual(Object.keys(plots).sort(), [
            "throughput-in1000-out1000.svg",
            "throughput-in2000-out2000.svg",
            "throughput-in8000-out250.svg",
            "tpot-in1000-out1000.svg",
            "tpot-in2000-out2000.svg",
            "tpot-in8000-out250.svg",
            "ttft-in1000-out1000.svg",
            "ttft-in2000-out2000.svg",
            "ttft-in8000-out250.svg",
        ]);
        for (const file of Object.keys(plots)) {
            assert.ok(markdown.includes(`](${file})`), `report.md links ${file}`);
        }
        const series = seriesOf(plots["throughput-in1000-out1000.svg"]);
        assert.deepStrictEqual(
            series.map((s) => [s.attributes["data-series"], s.attributes["data-reference"]]),
            [
                ["vllm-router", "false"],
                ["vllm-router 8P+8D consistent_hash (published)", "true"],
            ],
        );
        const circles = (s: XmlElement) => s.children.filter((c) => c.name === "circle").length;
        assert.deepStrictEqual(series.map(circles), [2, 4], "ours at c32 and c128; published at c32..c256");
        const ratios = series[0].children.filter((c) => c.attributes.class === "ratio").map((c) => c.text);
        assert.deepStrictEqual(ratios, ["0.95× ref", "1.00× ref"]);
        // The long-input plot has no published series.
        assert.deepStrictEqual(seriesOf(plots["throughput-in8000-out250.svg"]).length, 1);
    });

    it("the well-formedness check itself rejects broken XML", () => {
        assert.throws(() => parseXml("<svg><g></svg>"), /does not match/);
        assert.throws(() => parseXml('<svg a="1" a="2"/>'), /duplicate attribute/);
        assert.throws(() => parseXml("<svg>AT&T</svg>"), /bad entity/);
        assert.throws(() => parseXml("<svg x=1/>"), /malformed tag/);
        assert.throws(() => parseXml("<svg/><svg/>"), /more than one root/);
        assert.strictEqual(parseXml('<svg><text a="&lt;b&gt;">R&amp;D</text></svg>').children[0].text, "R&amp;D");
    });

    it("--compare puts both runs in one table and one series each in one plot", () => {
        const { markdown, plots } = generateReport([readResults(routerDir), readResults(dynamoDir)]);
        const c32 = row(markdown, "vllm-router vs dynamo", "1000/1000", 32);
        assert.deepStrictEqual(c32.slice(2, 6), ["4,500", "5,000", "1.11×", "4,752"]);
        assert.deepStrictEqual(c32.slice(10), ["**1 failed**", "0"]);
        const c64 = row(markdown, "vllm-router vs dynamo", "1000/1000", 64);
        assert.deepStrictEqual(c64.slice(2, 6), ["not run", "7,000", "—", "6,626"]);
        const series = seriesOf(plots["ttft-in1000-out1000.svg"]).map((s) => s.attributes["data-series"]);
        assert.deepStrictEqual(series, ["vllm-router", "dynamo", "vllm-router 8P+8D consistent_hash (published)"]);
    });

    it("the command writes report.md and the plots, and refuses bad usage", () => {
        const out = path.join(tmp, "out");
        const log = console.log;
        console.log = () => undefined;
        try {
            assert.strictEqual(reportMain([routerDir, "--out", out, "--compare", dynamoDir]), 0);
        } finally {
            console.log = log;
        }
        assert.ok(fs.readFileSync(path.join(out, "report.md"), "utf8").includes("## vllm-router vs dynamo"));
        parseXml(fs.readFileSync(path.join(out, "throughput-in1000-out1000.svg"), "utf8"));
        assert.deepStrictEqual(parseReportRequest(["r", "--out=o", "--compare", "c", "--name", "A"]), {
            resultsDir: "r",
            outDir: "o",
            compareDir: "c",
            name: "A",
            compareName: undefined,
        });
        assert.throws(() => parseReportRequest(["r"]), /--out is required/);
        assert.throws(() => parseReportRequest(["r", "s", "--out", "o"]), /one results folder/);
        assert.throws(() => parseReportRequest(["r", "--out"]), /--out needs a value/);
        assert.throws(() => parseReportRequest(["r", "--out", "o", "--bogus", "x"]), /unknown option --bogus/);
    });
});
