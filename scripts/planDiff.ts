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

const USAGE = "usage: npm run plan:diff -- <baseDir> <headDir> [--stack-name NAME] [--markdown-out FILE]";

class UsageError extends Error {}

interface Args {
    baseDir: string;
    headDir: string;
    stackName?: string;
    markdownOut?: string;
}

export function parseArgs(argv: string[]): Args {
    const positional: string[] = [];
    let stackName: string | undefined;
    let markdownOut: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") {
            positional.push(...argv.slice(i + 1));
            break;
        }
        if (!arg.startsWith("--")) {
            positional.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        const value = (): string => {
            const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
            if (v === undefined || v === "") {
                throw new UsageError(`${flag} needs a value; ${USAGE}`);
            }
            return v;
        };
        if (flag === "--stack-name") {
            stackName = value();
        } else if (flag === "--markdown-out") {
            markdownOut = value();
        } else {
            throw new UsageError(`unknown option ${flag}; ${USAGE}`);
        }
    }
    if (positional.length !== 2) {
        throw new UsageError(`expected a base and a head directory, got ${positional.length} argument(s); ${USAGE}`);
    }
    return { baseDir: positional[0], headDir: positional[1], stackName, markdownOut };
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
