import { ConfigError, ConfigErrorCollector, REDACTED_VALUE } from "./errors";
import { CONFIG_KEYS, CONFIG_SCHEMA, ConfigKey, ConfigValues, KeySpec, isConfigKey } from "./schema";

/**
 * Parses one raw config string (as `pulumi config set` stores it) into the schema's type.
 * Arrays are JSON arrays (what Pulumi passes for YAML lists) or comma-separated strings.
 */
export function parseConfigValue(key: ConfigKey, raw: string): string | number | boolean | string[] {
    const spec: KeySpec = CONFIG_SCHEMA[key];
    switch (spec.type) {
        case "integer": {
            const text = raw.trim();
            if (!/^-?\d+$/.test(text)) {
                throw new ConfigError(key, raw, `must be an integer from ${spec.min} to ${spec.max}.`);
            }
            return Number(text);
        }
        case "boolean": {
            const text = raw.trim().toLowerCase();
            if (text !== "true" && text !== "false") {
                throw new ConfigError(key, raw, "must be true or false.");
            }
            return text === "true";
        }
        case "array":
            return parseStringList(key, raw);
        case "string":
            return raw;
    }
}

function parseStringList(key: string, raw: string): string[] {
    const text = raw.trim();
    if (text === "") {
        return [];
    }
    if (text.startsWith("[")) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch {
            throw new ConfigError(key, raw, "must be a JSON array of strings or a comma-separated list.");
        }
        if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
            throw new ConfigError(key, raw, "must be a JSON array of strings or a comma-separated list.");
        }
        return parsed.map((item) => item.trim());
    }
    return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
}

/**
 * Turns the raw `<key> -> string` map of this project's namespace into typed values with
 * defaults applied. Unknown keys are an error: a typo must not silently fall back to a default.
 * The error never shows an unknown key's value: a mistyped `hfTokn` holds a token.
 */
export function parseConfig(raw: Readonly<Record<string, string>>): ConfigValues {
    const errors = new ConfigErrorCollector();
    for (const key of Object.keys(raw).sort()) {
        if (!isConfigKey(key)) {
            errors.add(new ConfigError(key, REDACTED_VALUE, `unknown config key; the keys are: ${CONFIG_KEYS.join(", ")}.`));
        }
    }
    const values: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const text = raw[key];
        values[key] = text === undefined ? defaultValue(key) : errors.check(() => parseConfigValue(key, text));
    }
    errors.throwIfAny();
    return values as ConfigValues;
}

function defaultValue(key: ConfigKey): unknown {
    const spec: KeySpec = CONFIG_SCHEMA[key];
    return Array.isArray(spec.default) ? [...spec.default] : spec.default;
}
