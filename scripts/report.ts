/**
 * npm run report -- <results dir> --out <dir> [--compare <other results dir>] [--name N] [--compare-name M]
 *
 * Reads `vllm bench serve --save-result` and `lm_eval --output_path` files under the results
 * folder(s) (as `npm run proof` fetches them) and writes report.md and SVG plots to --out, with
 * the published numbers beside ours. Names default to the folders' names. Exit 2 on bad usage.
 */
import * as path from "path";
import { generateReport, readResults, writeReport } from "../plan/report";
import { parseCli, UsageError } from "./cliArgs";

const USAGE = "usage: npm run report -- <results dir> --out <dir> [--compare <other results dir>] [--name N] [--compare-name M]";

/** What the command was asked to do. */
export interface ReportRequest {
    resultsDir: string;
    outDir: string;
    compareDir?: string;
    name?: string;
    compareName?: string;
}

export function parseReportRequest(argv: string[]): ReportRequest {
    const { positional, values } = parseCli(argv, ["--out", "--compare", "--name", "--compare-name"], USAGE);
    if (positional.length !== 1) {
        throw new UsageError(`expected one results folder, got ${positional.length}; ${USAGE}`);
    }
    if (!values["--out"]) {
        throw new UsageError(`--out is required; ${USAGE}`);
    }
    if (values["--compare-name"] && !values["--compare"]) {
        throw new UsageError(`--compare-name needs --compare; ${USAGE}`);
    }
    return {
        resultsDir: positional[0],
        outDir: values["--out"],
        compareDir: values["--compare"],
        name: values["--name"],
        compareName: values["--compare-name"],
    };
}

/** Runs the command; returns the exit code. */
export function main(argv: string[]): number {
    let args: ReportRequest;
    try {
        args = parseReportRequest(argv);
    } catch (err) {
        console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
        return 2;
    }
    try {
        const runs = [readResults(args.resultsDir, args.name)];
        if (args.compareDir) {
            runs.push(readResults(args.compareDir, args.compareName));
        }
        if (runs.length === 2 && runs[0].name === runs[1].name) {
            runs[1].name = `${runs[1].name} (${path.resolve(args.compareDir ?? "")})`;
        }
        const files = writeReport(args.outDir, generateReport(runs));
        console.log(`Report written to ${args.outDir}: ${files.map((f) => path.basename(f)).join(", ")}`);
        return 0;
    } catch (err) {
        console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
