import * as pulumi from "@pulumi/pulumi";

/**
 * A user mistake in stack config. It is a `pulumi.RunError`, so `pulumi up` prints the one-line
 * message without a stack trace; the offline plan prints it and exits 2.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        public readonly key: string,
        public readonly value: unknown,
        public readonly allowed: string,
    ) {
        super(`Invalid config '${key}' = ${formatValue(value)}: ${allowed}`);
        this.name = "ConfigError";
    }
}

export function formatValue(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

export function isConfigError(err: unknown): err is ConfigError {
    return err instanceof Error && err.name === "ConfigError" && "key" in err;
}
