/**
 * npm run plan:diff -- <baseDir> <headDir> [--stack-name NAME] [--markdown-out FILE]
 *
 * Compares two `npm run plan -- --out <dir>` directories and prints a Markdown report (for a PR
 * comment or a job summary) to stdout; --markdown-out also writes it to FILE. A base directory
 * that does not exist (a new stack) is an empty plan. Exit 0 whatever the diff (it informs, it
 * does not gate), 2 on bad usage (one line on stderr), 1 on any other error.
 */
import * as fs from "fs";
import * as path from "path";
import { diffPlanDirs, PlanDirError, renderMarkdown } from "../plan/diff";
import { parseCli, UsageError } from "./cliArgs";

const USAGE = "usage: npm run plan:diff -- <baseDir> <headDir> [--stack-name NAME] [--markdown-out FILE]";

interface Args {
    baseDir: string;
    headDir: string;
    stackName?: string;
    markdownOut?: string;
}

export function parseArgs(argv: string[]): Args {
    const { positional, values } = parseCli(argv, ["--stack-name", "--markdown-out"], USAGE);
    if (positional.length !== 2) {
        throw new UsageError(`expected a base and a head directory, got ${positional.length} argument(s); ${USAGE}`);
    }
    return { baseDir: positional[0], headDir: positional[1], stackName: values["--stack-name"], markdownOut: values["--markdown-out"] };
}

function main(argv: string[]): number {
    let args: Args;
    try {
        args = parseArgs(argv);
    } catch (err) {
        console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
        return 2;
    }
    try {
        const markdown = renderMarkdown(diffPlanDirs(args.baseDir, args.headDir, args.stackName));
        if (args.markdownOut) {
            fs.mkdirSync(path.dirname(path.resolve(args.markdownOut)), { recursive: true });
            fs.writeFileSync(args.markdownOut, markdown);
        }
        process.stdout.write(markdown);
        return 0;
    } catch (err) {
        if (err instanceof PlanDirError) {
            console.error(`error: ${err.message}`);
        } else {
            console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
        }
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
