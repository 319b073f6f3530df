import * as pulumi from "@pulumi/pulumi";
import { isSecretLookingValue } from "./secrets";

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

/** Stands in for a value an error must not show (a secret, an unknown key's value). */
export const REDACTED_VALUE: unique symbol = Symbol("redacted");

/** A value as errors show it: never a secret, nor anything shaped like a token. */
export function formatValue(value: unknown): string {
    const looksSecret = isSecretLookingValue(value) || (Array.isArray(value) && value.some(isSecretLookingValue));
    if (value === REDACTED_VALUE || looksSecret) {
        return "(value not shown)";
    }
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

export function isConfigError(err: unknown): err is ConfigError {
    return err instanceof Error && err.name === "ConfigError" && "key" in err;
}

/**
 * Several bad keys at once: one line per key, each a ConfigError's message. Validation collects
 * every mistake it can see before reporting, so a user fixes them in one round (pulumi-eks style).
 */
export class ConfigErrors extends pulumi.RunError {
    constructor(public readonly errors: readonly ConfigError[]) {
        super(errors.map((e) => e.message).join("\n"));
        this.name = "ConfigErrors";
    }
}

/** Every ConfigError inside err (a ConfigError, a ConfigErrors), or none. */
export function configErrorsOf(err: unknown): readonly ConfigError[] {
    if (isConfigError(err)) {
        return [err];
    }
    return err instanceof ConfigErrors ? err.errors : [];
}

/** Runs checks, keeps the first ConfigError of each key, and throws them together at the end. */
export class ConfigErrorCollector {
    private readonly errors: ConfigError[] = [];

    /** Runs one check; a ConfigError is recorded (first per key) and undefined returned. */
    check<T>(check: () => T): T | undefined {
        try {
            return check();
        } catch (err) {
            const found = configErrorsOf(err);
            if (found.length === 0) {
                throw err;
            }
            found.forEach((e) => this.add(e));
            return undefined;
        }
    }

    /** Records one error unless its key already has one. */
    add(error: ConfigError): void {
        if (!this.errors.some((e) => e.key === error.key)) {
            this.errors.push(error);
        }
    }

    /** Whether an error was recorded for any of these keys. */
    failed(...keys: string[]): boolean {
        return this.errors.some((e) => keys.includes(e.key));
    }

    /** Throws what was collected: the ConfigError itself when there is one, a ConfigErrors for more. */
    throwIfAny(): void {
        if (this.errors.length === 1) {
            throw this.errors[0];
        }
        if (this.errors.length > 1) {
            throw new ConfigErrors(this.errors);
        }
    }
}
