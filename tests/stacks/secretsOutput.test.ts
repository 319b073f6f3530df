/**
 * No secret in any output of the offline plan, console included: provider credentials, tokens
 * under mistyped keys, secrets whose text would break JSON if scrubbed as text; and `--out`
 * pointing at a file is a clean exit 2.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REDACTED, redactSecrets, renderPlanJson } from "../../plan/offline/plan";
import { planStack, ROOT } from "../helpers/plan";

const TSX = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

function runPlan(args: string[]) {
    const result = spawnSync(TSX, ["scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120000 });
    if (result.error) {
        throw result.error;
    }
    return result;
}

/** Every file under dir, as text. */
function allText(dir: string): string {
    return (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
        .map((f) => path.join(dir, f))
        .filter((f) => fs.statSync(f).isFile())
        .map((f) => fs.readFileSync(f, "utf8"))
        .join("\n");
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-secrets-"));

describe("secrets: provider credentials and tokens never reach plan output or the console", () => {
    const canaries = {
        "aws:secretKey": "wJalrXUtnFEMI-K7MDENG-bPxRfiCYCANARY1",
        "aws:accessKey": "AKIAIOSFODNN7CANARY2",
        "aws:token": "FwoGZXIvYXdzEC4aDCANARY3",
        hfToken: 'hf_CANARY4"}, {"x": "',
    };
    let out: string;
    let run: ReturnType<typeof runPlan>;
    before(() => {
        out = path.join(tmp(), "plan");
        run = runPlan(["--stack", "llama31-pd", "--out", out, ...Object.entries(canaries).flatMap(([k, v]) => ["--set", `${k}=${v}`])]);
    });
    after(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }));

    it("plans (exit 0)", () => assert.strictEqual(run.status, 0, run.stderr));

    it("no canary in plan.json, any manifest, stdout or stderr", () => {
        const everything = [allText(out), run.stdout, run.stderr].join("\n");
        for (const [key, value] of Object.entries(canaries)) {
            assert.ok(!everything.includes(value), `${key} leaked`);
            assert.ok(!everything.includes(value.slice(0, 12)), `${key} leaked in part`);
        }
    });

    it("plan.json is valid JSON and shows each credential key as a secret", () => {
        const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as { config: Record<string, unknown> };
        for (const key of ["aws:secretKey", "aws:accessKey", "aws:token", "hfToken"]) {
            assert.strictEqual(plan.config[key], "<secret>", key);
        }
    });
});

describe("secrets: mistyped secret-looking keys", () => {
    for (const [key, value] of [
        ["hfTokn", "hf_MISTYPEDCANARY5"],
        ["apiKey", "plain-looking-CANARY6"],
        ["aws:secretkey", "lowercaseCANARY7"],
    ]) {
        it(`--set ${key}=... fails with exit 2, names the key, never the value, writes nothing`, () => {
            const dir = tmp();
            const out = path.join(dir, "plan");
            const run = runPlan(["--stack", "dev", "--out", out, "--set", `${key}=${value}`]);
            try {
                if (key.includes(":")) {
                    // A provider key the program does not read plans; it must still be redacted.
                    assert.strictEqual(run.status, 0, run.stderr);
                    assert.ok(!allText(out).includes(value));
                } else {
                    assert.strictEqual(run.status, 2, run.stderr);
                    assert.ok(run.stderr.includes(`'${key}'`), run.stderr);
                    assert.strictEqual(run.stderr.trim().split("\n").length, 1, run.stderr);
                    assert.ok(!fs.existsSync(out), "nothing written");
                }
                assert.ok(!run.stderr.includes(value) && !run.stdout.includes(value), "value echoed");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});

describe("secrets: redaction works on the parsed structure", () => {
    it("a secret made of JSON syntax cannot corrupt plan.json", async () => {
        const p = await planStack("dev");
        for (const secret of ['"', '": "', "},{", "\\", "true", "dev"]) {
            const text = renderPlanJson(p.plan, [secret]);
            const parsed = JSON.parse(text) as unknown;
            assert.ok(parsed !== null && typeof parsed === "object", secret);
        }
    });

    it("every string or key containing a secret is redacted whole; others are kept", () => {
        const redacted = redactSecrets({ a: "x-SECRET-y", b: ["SECRET", "ok"], "key-SECRET": 1, n: 3 }, ["SECRET"]) as Record<
            string,
            unknown
        >;
        assert.deepStrictEqual(redacted, { a: REDACTED, b: [REDACTED, "ok"], [`${REDACTED}-1`]: 1, n: 3 });
    });
});

describe("plan CLI: --out pointing at a file", () => {
    for (const [label, target] of [
        ["the file itself", (file: string) => file],
        ["a folder inside the file", (file: string) => path.join(file, "plan")],
        ["a folder two levels inside", (file: string) => path.join(file, "a", "b")],
    ] as const) {
        it(`${label}: exit 2, one line naming --out, the file untouched`, () => {
            const dir = tmp();
            const file = path.join(dir, "notes.txt");
            fs.writeFileSync(file, "keep me");
            try {
                const run = runPlan(["--stack", "dev", "--out", target(file)]);
                assert.strictEqual(run.status, 2, run.stderr);
                assert.match(run.stderr, /^error: Invalid config '--out' = .*a file, not a folder/);
                assert.strictEqual(run.stderr.trim().split("\n").length, 1);
                assert.strictEqual(fs.readFileSync(file, "utf8"), "keep me");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
