/**
 * Strict validation of custom resources against the CRDs in tests/fixtures/crds (the pinned
 * charts' own CRDs): the served version's openAPIV3Schema compiled with ajv, where every object
 * schema that lists properties rejects other keys (as the API server prunes or, with
 * fieldValidation=Strict, rejects them), unless it preserves unknown fields.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";

const CRD_DIR = path.resolve(__dirname, "..", "fixtures", "crds");

type Schema = Record<string, unknown>;

/** The Kubernetes structural-schema extensions, turned into plain JSON schema. */
function strict(schema: Schema): Schema {
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema)) {
        if (key.startsWith("x-kubernetes-")) {
            continue;
        }
        if (key === "properties" && value && typeof value === "object") {
            out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, strict(v)]));
        } else if ((key === "items" || key === "additionalProperties") && value && typeof value === "object") {
            out[key] = strict(value as Schema);
        } else if ((key === "anyOf" || key === "allOf" || key === "oneOf") && Array.isArray(value)) {
            out[key] = (value as Schema[]).map(strict);
        } else {
            out[key] = value;
        }
    }
    if (schema["x-kubernetes-int-or-string"]) {
        delete out.type;
        out.anyOf = [{ type: "integer" }, { type: "string" }];
    }
    if (out.properties && out.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"]) {
        out.additionalProperties = false;
    }
    return out;
}

let validators: Map<string, ValidateFunction> | undefined;

/**
 * CRD patterns are Go regular expressions; the only Go-only syntax in these CRDs is the `(?i)`
 * (case-insensitive) flag group, e.g. `^(?i)(abort|warn)?$`, which becomes JavaScript's `i` flag.
 */
const goRegExp = Object.assign(
    (pattern: string, flags: string): RegExp => {
        const insensitive = pattern.includes("(?i)");
        return new RegExp(pattern.split("(?i)").join(""), insensitive ? `${flags}i` : flags);
    },
    { code: "new RegExp" },
);

/** `apiVersion/kind` -> validator, for every served version of every CRD in the fixtures. */
function crdValidators(): Map<string, ValidateFunction> {
    if (validators) {
        return validators;
    }
    const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp } });
    addFormats(ajv);
    const found = new Map<string, ValidateFunction>();
    for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml"))) {
        for (const doc of parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), "utf8"))) {
            const crd = doc.toJS() as {
                kind?: string;
                spec: {
                    group: string;
                    names: { kind: string };
                    versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
                };
            };
            if (crd?.kind !== "CustomResourceDefinition") {
                continue;
            }
            for (const version of crd.spec.versions.filter((v) => v.served)) {
                found.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(strict(version.schema.openAPIV3Schema)));
            }
        }
    }
    validators = found;
    return found;
}

/** Whether the fixtures hold a CRD for this apiVersion and kind. */
export function hasCrd(apiVersion: string, kind: string): boolean {
    return crdValidators().has(`${apiVersion}/${kind}`);
}

/** Problems of a custom resource against its CRD (empty: valid), or undefined without a CRD. */
export function crdProblems(object: { apiVersion: string; kind: string }): string[] | undefined {
    const validate = crdValidators().get(`${object.apiVersion}/${object.kind}`);
    if (!validate) {
        return undefined;
    }
    if (validate(JSON.parse(JSON.stringify(object)))) {
        return [];
    }
    return (validate.errors ?? []).map(
        (e) => `${e.instancePath || "/"} ${e.message ?? ""}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
    );
}
