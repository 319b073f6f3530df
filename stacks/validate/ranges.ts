/** Every key against its own range in the schema. */
import { ConfigError } from "../errors";
import { CONFIG_KEYS, CONFIG_SCHEMA, ConfigKey, ConfigValues } from "../schema";

/** One key's own range: allowed strings and integer bounds from the schema. */
export function validateRange(key: ConfigKey, value: unknown): void {
    const spec = CONFIG_SCHEMA[key];
    if (spec.type === "integer") {
        const n = value as number;
        if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
            throw new ConfigError(key, value, `must be an integer from ${spec.min} to ${spec.max}.`);
        }
    }
    if (spec.type === "string" && "allowed" in spec && !(spec.allowed as readonly string[]).includes(value as string)) {
        throw new ConfigError(key, value, `must be one of: ${spec.allowed.join(", ")}.`);
    }
}

/** Every key's own range; the first bad key throws (validateStackConfig collects them all). */
export function validateRanges(values: ConfigValues): void {
    for (const key of CONFIG_KEYS) {
        validateRange(key, values[key]);
    }
}
