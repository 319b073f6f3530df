/** The small argument parser of `npm run report`, `npm run proof` and `npm run plan:diff`: positionals and `--flag value` / `--flag=value`. */

/** Bad usage: the scripts print it as one line and exit 2. */
export class UsageError extends Error {}

/** Positional arguments and the value of each flag given. */
export interface ParsedCommandLine {
    positional: string[];
    values: Record<string, string>;
}

/** Parses argv; only the flags named in `flags` are allowed, each once, each with a value. */
export function parseCli(argv: string[], flags: readonly string[], usage: string): ParsedCommandLine {
    const positional: string[] = [];
    const values: Record<string, string> = {};
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
        if (!flags.includes(flag)) {
            throw new UsageError(`unknown option ${flag}; ${usage}`);
        }
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
            throw new UsageError(`${flag} needs a value; ${usage}`);
        }
        if (flag in values) {
            throw new UsageError(`${flag} given twice; ${usage}`);
        }
        values[flag] = value;
    }
    return { positional, values };
}
