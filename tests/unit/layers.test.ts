/**
 * The layers only look down: stacks/ (what users set and what is derived from it) imports nothing
 * from components/, plan/ or index.ts, and holds no Pulumi resources; index.ts stays a short
 * composition root. A newcomer can then read the architecture from the tree.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        return e.isDirectory() ? tsFiles(rel) : rel.endsWith(".ts") ? [rel] : [];
    });
}

/** Relative import specifiers of a file, resolved to repository paths. */
function imports(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    return [...text.matchAll(/^import[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => path.normalize(path.join(path.dirname(file), m[1])));
}

describe("unit: layers", () => {
    it("stacks/ imports nothing from components/, plan/, scripts/ or index.ts", () => {
        const offending = tsFiles("stacks").flatMap((file) =>
            imports(file)
                .filter((target) => /^(components|plan|scripts)(\/|$)|^index$/.test(target))
                .map((target) => `${file} -> ${target}`),
        );
        assert.deepStrictEqual(offending, []);
    });

    it("stacks/ registers no Pulumi resources (no resource classes or pulumi.Config outside load.ts)", () => {
        for (const file of tsFiles("stacks")) {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            assert.ok(!/new (aws|eks|k8s|random)\.|ComponentResource/.test(text), `${file} creates resources`);
            if (file !== path.join("stacks", "load.ts")) {
                assert.ok(!/new pulumi\.Config\(/.test(text), `${file} reads pulumi.Config`);
            }
        }
    });

    it("components never read pulumi.Config", () => {
        for (const file of tsFiles("components")) {
            assert.ok(!/pulumi\.Config\(/.test(fs.readFileSync(path.join(ROOT, file), "utf8")), `${file} reads pulumi.Config`);
        }
    });

    it("index.ts is a composition root of at most 60 lines", () => {
        assert.ok(fs.readFileSync(path.join(ROOT, "index.ts"), "utf8").split("\n").length <= 60);
    });
});
