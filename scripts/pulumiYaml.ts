/**
 * npm run pulumi-yaml: rewrites Pulumi.yaml's typed `config:` block from stacks/schema.ts, the
 * one place keys are defined (tests/schema.test.ts fails when the two disagree).
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { CONFIG_SCHEMA, KeySpec } from "../stacks/schema";

const file = path.resolve(__dirname, "..", "Pulumi.yaml");
const doc = parseDocument(fs.readFileSync(file, "utf8"));
const config: Record<string, unknown> = {};
for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [string, KeySpec][]) {
    const entry: Record<string, unknown> = { type: spec.type };
    if (spec.type === "array") {
        entry.items = { type: "string" };
    }
    // Every key has a default: Pulumi stops on a declared key that is neither defaulted nor set.
    // Secret keys (hfToken) cannot be `secret: true` with a plain default; the program reads them
    // as secrets and users set them with `pulumi config set --secret`.
    entry.default = spec.default;
    entry.description = spec.description;
    config[key] = entry;
}
doc.set("config", config);
fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
console.log(`wrote ${Object.keys(config).length} config keys to ${file}`);
