/**
 * Pulumi.yaml's typed `config:` block is what `pulumi config` and `pulumi up` check values
 * against; stacks/schema.ts is what the program parses with. They must say the same thing.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseConfigValue } from "../../stacks/parse";
import { CONFIG_KEYS, CONFIG_SCHEMA, isConfigKey, KeySpec } from "../../stacks/schema";
import { ROOT } from "../helpers/plan";

interface ProjectConfigEntry {
    type?: string;
    items?: { type?: string };
    default?: unknown;
    secret?: boolean;
    description?: string;
}

interface ProjectFile {
    name: string;
    config: Record<string, ProjectConfigEntry>;
}

const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
const STACK_FILES = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
    .sort();

function stackConfig(file: string): Record<string, unknown> {
    return (parseYaml(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
}

/** Pulumi.yaml declares the schema's default for every key (secret keys default to ""). */
function expectedDefault(spec: KeySpec): unknown {
    return spec.default;
}

describe("schema: Pulumi.yaml config block", () => {
    it("is the pd-serving project (stack files use the pd-serving: namespace)", () => {
        assert.strictEqual(project.name, "pd-serving");
    });

    it("declares exactly the keys of CONFIG_SCHEMA", () => {
        assert.deepStrictEqual(Object.keys(project.config).sort(), [...CONFIG_KEYS].sort());
    });

    for (const key of CONFIG_KEYS) {
        it(`declares ${key} like the schema (type, default, secret, description)`, () => {
            const spec: KeySpec = CONFIG_SCHEMA[key];
            const declared = project.config[key];
            assert.ok(declared, `Pulumi.yaml does not declare ${key}`);
            assert.strictEqual(declared.type, spec.type, `${key}: type`);
            if (spec.type === "array") {
                assert.deepStrictEqual(declared.items, { type: "string" }, `${key}: arrays are arrays of strings`);
            } else {
                assert.strictEqual(declared.items, undefined, `${key}: only arrays have items`);
            }
            const wanted = expectedDefault(spec);
            if (wanted === undefined) {
                assert.ok(
                    !("default" in declared),
                    `${key}: Pulumi.yaml must not declare a default (schema: ${spec.secret ? "secret" : "derived when unset"})`,
                );
            } else {
                assert.deepStrictEqual(declared.default, wanted, `${key}: default`);
            }
            // Pulumi rejects a plain default on a `secret: true` key, so secret keys are declared
            // without the flag; the program reads them only with requireSecret.
            assert.strictEqual(declared.secret, undefined, `${key}: no secret flag (it would forbid the default)`);
            assert.strictEqual(declared.description, spec.description, `${key}: description`);
        });
    }

    // Pulumi (sdk/go/common/workspace, mergeConfig) fails `pulumi preview`/`up` with "Stack 'dev' is
    // missing configuration value(s) ..." for every project-namespace key that has neither a
    // default in Pulumi.yaml nor a value in the stack file, and it rejects a default for a
    // `secret: true` key ("must be encrypted as it's secret").
    it("every declared key has a default or is set in every stack file (else pulumi up fails: missing configuration value)", () => {
        for (const file of STACK_FILES) {
            const set = new Set(Object.keys(stackConfig(file)));
            const missing = Object.entries(project.config)
                .filter(([key, entry]) => !("default" in entry) && !set.has(`${project.name}:${key}`))
                .map(([key]) => key);
            assert.deepStrictEqual(missing, [], `${file}: Pulumi would report missing configuration values`);
        }
    });
});

describe("schema: stack files", () => {
    it("include the dev and llama31-pd stacks", () => {
        assert.ok(STACK_FILES.includes("Pulumi.dev.yaml") && STACK_FILES.includes("Pulumi.llama31-pd.yaml"), STACK_FILES.join(", "));
    });

    for (const file of STACK_FILES) {
        describe(file, () => {
            const config = stackConfig(file);

            it("sets aws:region", () => {
                assert.strictEqual(typeof config["aws:region"], "string");
            });

            it("uses only aws:region and known pd-serving: keys", () => {
                const unknown = Object.keys(config).filter((key) => {
                    if (key === "aws:region") {
                        return false;
                    }
                    const [namespace, bare, ...rest] = key.split(":");
                    return namespace !== project.name || rest.length > 0 || !isConfigKey(bare);
                });
                assert.deepStrictEqual(unknown, []);
            });

            it("gives every key a value of its declared type", () => {
                for (const [key, value] of Object.entries(config)) {
                    const bare = key.slice(`${project.name}:`.length);
                    if (!key.startsWith(`${project.name}:`) || !isConfigKey(bare)) {
                        continue;
                    }
                    const spec: KeySpec = CONFIG_SCHEMA[bare];
                    const yamlType = Array.isArray(value)
                        ? "array"
                        : typeof value === "number"
                          ? Number.isInteger(value)
                              ? "integer"
                              : "number"
                          : typeof value;
                    assert.strictEqual(yamlType, spec.type, `${file} ${key}: YAML value ${JSON.stringify(value)} is a ${yamlType}`);
                    const raw = typeof value === "string" ? value : JSON.stringify(value);
                    assert.doesNotThrow(() => parseConfigValue(bare, raw), `${file} ${key}`);
                }
            });
        });
    }
});
