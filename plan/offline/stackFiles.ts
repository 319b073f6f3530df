/**
 * Config for the offline plan, merged as `pulumi up` would see it: Pulumi.yaml defaults, then
 * Pulumi.<stack>.yaml, then `--set` overrides. Encrypted `secure:` values count as set but unknown.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ConfigError, REDACTED_VALUE } from "../../stacks/errors";
import { isSecretLookingKey, isSecretLookingValue } from "../../stacks/secrets";
import { CONFIG_SCHEMA, isConfigKey } from "../../stacks/schema";

export const SECURE_PLACEHOLDER = "<secure value: set, unknown offline>";

/** The merged config of a stack as `pulumi up` would see it, with the secret values to scrub. */
export interface PlanConfig {
    project: string;
    stack: string;
    /** Full keys (`project:key`, `aws:region`) to raw strings. */
    config: Record<string, string>;
    secretKeys: string[];
    /** Plaintext secret values given on the command line, to scrub from every output. */
    secretValues: string[];
}

interface ProjectFile {
    name: string;
    config?: Record<string, { default?: unknown }>;
}

function readYaml<T>(file: string): T {
    return parseYaml(fs.readFileSync(file, "utf8")) as T;
}

/** A YAML config value as the string Pulumi passes to the program. */
function configString(value: unknown): string {
    if (typeof value === "string") {
        return value;
    }
    return JSON.stringify(value);
}

export function readProjectFile(root: string): ProjectFile {
    return readYaml<ProjectFile>(path.join(root, "Pulumi.yaml"));
}

export function loadPlanConfig(root: string, stack: string, sets: string[]): PlanConfig {
    const project = readProjectFile(root);
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!/^[\w.-]+$/.test(stack) || !fs.existsSync(stackFile)) {
        const stacks = fs
            .readdirSync(root)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => !!s);
        throw new ConfigError("--stack", stack, `no Pulumi.${stack}.yaml; the stacks are: ${stacks.join(", ")}.`);
    }
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const secretValues: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

    for (const [key, spec] of Object.entries(project.config ?? {})) {
        if (spec && spec.default !== undefined) {
            config[qualify(key)] = configString(spec.default);
        }
    }
    // A schema secret, a key named like a credential (aws:secretKey, a mistyped hfTokn) or a value
    // shaped like a token: secret to the plan, whatever the stack file says.
    const isSecretKey = (fullKey: string, value?: string) => {
        const bareKey = fullKey.slice(project.name.length + 1);
        const schemaSecret =
            fullKey.startsWith(`${project.name}:`) &&
            isConfigKey(bareKey) &&
            CONFIG_SCHEMA[bareKey].type === "string" &&
            "secret" in CONFIG_SCHEMA[bareKey];
        return schemaSecret || isSecretLookingKey(fullKey) || isSecretLookingValue(value);
    };
    const stackConfig = readYaml<{ config?: Record<string, unknown> } | null>(stackFile)?.config ?? {};
    for (const [key, value] of Object.entries(stackConfig)) {
        const fullKey = qualify(key);
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            config[fullKey] = SECURE_PLACEHOLDER;
            secretKeys.add(fullKey);
        } else {
            config[fullKey] = configString(value);
            if (isSecretKey(fullKey, config[fullKey])) {
                // Stored in plaintext by mistake: still a secret to the program and to the plan.
                secretKeys.add(fullKey);
                secretValues.push(config[fullKey]);
            }
        }
    }
    for (const assignment of sets) {
        const eq = assignment.indexOf("=");
        if (eq <= 0) {
            // Not echoed: a malformed assignment may be a pasted token.
            throw new ConfigError("--set", REDACTED_VALUE, "must be KEY=VALUE, such as prefillReplicas=4 or aws:region=us-west-2.");
        }
        const fullKey = qualify(assignment.slice(0, eq));
        const value = assignment.slice(eq + 1);
        config[fullKey] = value;
        if (isSecretKey(fullKey, value)) {
            secretKeys.add(fullKey);
            secretValues.push(value);
        }
    }
    // As `pulumi up` does: a key Pulumi.yaml declares without a default must be set.
    for (const [key, spec] of Object.entries(project.config ?? {})) {
        if ((!spec || spec.default === undefined) && config[qualify(key)] === undefined) {
            throw new ConfigError(
                key,
                undefined,
                `Pulumi.yaml declares it without a default and Pulumi.${stack}.yaml does not set it; pulumi up would stop with "missing configuration value".`,
            );
        }
    }
    return { project: project.name, stack, config, secretKeys: [...secretKeys].sort(), secretValues: secretValues.filter((v) => v !== "") };
}
