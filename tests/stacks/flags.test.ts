/**
 * Every serving container passes only flags its pinned program version has: a flag the version
 * lacks makes vLLM, vllm-router or Dynamo exit at start, which `pulumi up` only reports after the
 * image pulls and the await times out. The allowed flags, with where each was verified, are in
 * tests/fixtures/flags.ts; this file finds the program of every container of the planned graphs
 * and checks its arguments against that list, and checks the checker itself.
 */
import * as assert from "assert";
import { Program, PROGRAM_FLAGS } from "../fixtures/flags";
import { planStack, StackPlan } from "../helpers/plan";
import { Container, PodSpec } from "../helpers/k8sSchema";
import { podSetsOf } from "../../plan/offline/objects";

const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

function looksLikeFlag(token: string): boolean {
    return token.startsWith("-") && !NEGATIVE_NUMBER.test(token);
}

/**
 * Problems with a program's arguments: unknown flags, switches given values, flags missing their
 * value or followed by something that looks like a flag (argparse and clap would take it as the
 * next option), and stray positional arguments. Empty when the arguments are fine.
 */
function argProblems(program: Program, args: string[]): string[] {
    const spec = PROGRAM_FLAGS[program];
    const problems: string[] = [];
    let positionals = 0;
    for (let i = 0; i < args.length; i++) {
        const token = args[i];
        if (!looksLikeFlag(token)) {
            positionals += 1;
            if (positionals > spec.positionals) {
                problems.push(`unexpected positional argument ${JSON.stringify(token)}`);
            }
            continue;
        }
        const eq = token.indexOf("=");
        const flag = eq > 0 ? token.slice(0, eq) : token;
        const inline = eq > 0 ? token.slice(eq + 1) : undefined;
        const flagSpec = Object.prototype.hasOwnProperty.call(spec.flags, flag) ? spec.flags[flag] : undefined;
        if (!flagSpec) {
            problems.push(`${flag} is not a flag of ${program} (${spec.version}) in tests/fixtures/flags.ts`);
            continue;
        }
        if (flagSpec.values === 0) {
            if (inline !== undefined) {
                problems.push(`${flag} is a switch but was given ${JSON.stringify(inline)}`);
            }
            continue;
        }
        if (inline !== undefined) {
            if (flagSpec.values !== 1) {
                problems.push(`${flag} takes its values as separate arguments`);
            }
            continue;
        }
        const value = args[i + 1];
        if (value === undefined) {
            problems.push(`${flag} needs a value`);
            continue;
        }
        if (looksLikeFlag(value)) {
            problems.push(`the value of ${flag} looks like a flag: ${JSON.stringify(value)}`);
            continue;
        }
        i += 1;
        // clap num_args 1..: every following value up to the next flag.
        while (flagSpec.values === "1+" && args[i + 1] !== undefined && !looksLikeFlag(args[i + 1])) {
            i += 1;
        }
        // vllm-router --prefill URL [BOOTSTRAP_PORT|none]
        const next = args[i + 1];
        if (flagSpec.values === "url [port|none]" && next !== undefined && (/^\d+$/.test(next) || next.toLowerCase() === "none")) {
            i += 1;
        }
    }
    return problems;
}

type Identified = { program: Program; args: string[] } | { other: string } | { unknown: string };

/** Programs the flag list does not cover, and why that is fine. */
const NOT_CHECKED: { match: (tokens: string[]) => boolean; reason: string }[] = [
    { match: (t) => ["sh", "/bin/sh", "bash", "/bin/bash"].includes(t[0]) && t[1] === "-c", reason: "inline shell script" },
    { match: (t) => /^python3?$/.test(t[0]) && t[1] === "-c", reason: "inline Python script" },
    {
        match: (t) => t[0] === "python3" && /^\/proof\/\w+\.py$/.test(t[1] ?? ""),
        reason: "proof script, checked in tests/proofSmoke.test.ts",
    },
    { match: (t) => t[0] === "/usr/local/bin/etcd", reason: "etcd, its flags checked against v3.6.14/v3.6.15 in components/etcd.ts" },
    { match: (t) => t.length === 0, reason: "the image's own entrypoint, no arguments" },
];

/** The program a container runs, from its command (and args), and the program's own arguments. */
function identify(c: Container): Identified {
    const tokens = [...(c.command ?? []), ...(c.args ?? [])];
    if (tokens[0] === "vllm" && tokens[1] === "serve") {
        return { program: "vllm serve", args: tokens.slice(2) };
    }
    if (tokens[0] === "vllm-router") {
        return { program: "vllm-router", args: tokens.slice(1) };
    }
    if (/^python3?$/.test(tokens[0] ?? "") && tokens[1] === "-m" && (tokens[2] === "dynamo.frontend" || tokens[2] === "dynamo.vllm")) {
        return { program: tokens[2], args: tokens.slice(3) };
    }
    const skipped = NOT_CHECKED.find((n) => n.match(tokens));
    return skipped ? { other: skipped.reason } : { unknown: tokens.slice(0, 3).join(" ") };
}

const SERVING_PROGRAM_IN_SCRIPT = /\bvllm\s+serve\b|\bvllm-router\b|\bdynamo\.(frontend|vllm)\b/;

function containers(p: StackPlan): { where: string; container: Container }[] {
    // Workload templates and the components of a DynamoGraphDeployment alike.
    return p.manifests().flatMap((o) =>
        podSetsOf(o).flatMap((pods) => {
            const spec = pods.spec as unknown as PodSpec;
            return [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({
                where: `${pods.where}/${container.name}`,
                container,
            }));
        }),
    );
}

const PLANS: { name: string; stack: string; sets: string[]; programs: Program[] }[] = [
    { name: "llama31-pd, vllm-router", stack: "llama31-pd", sets: [], programs: ["vllm serve", "vllm-router"] },
    { name: "llama31-pd, dynamo", stack: "llama31-pd", sets: ["graph=dynamo"], programs: ["dynamo.frontend", "dynamo.vllm"] },
    { name: "dev, vllm-router", stack: "dev", sets: [], programs: ["vllm serve", "vllm-router"] },
    { name: "dev, dynamo", stack: "dev", sets: ["graph=dynamo"], programs: ["dynamo.frontend", "dynamo.vllm"] },
];

for (const { name, stack, sets, programs } of PLANS) {
    describe(`flags of the pinned versions: ${name}`, () => {
        let all: { where: string; container: Container }[];
        before(async () => {
            all = containers(await planStack(stack, sets));
        });

        it("knows the program of every container", () => {
            for (const { where, container } of all) {
                const id = identify(container);
                assert.ok(
                    !("unknown" in id),
                    `${where} runs an unknown program (${"unknown" in id ? id.unknown : ""}); add it to tests/fixtures/flags.ts`,
                );
            }
        });

        it(`runs ${programs.join(" and ")} (prefill and decode each on its own container)`, () => {
            const found = all
                .map(({ container }) => identify(container))
                .filter((id): id is { program: Program; args: string[] } => "program" in id)
                .map((id) => id.program);
            for (const program of programs) {
                assert.ok(found.includes(program), `no container runs ${program}: ${found.join(", ")}`);
            }
            const workerProgram = programs.find((pr) => pr === "vllm serve" || pr === "dynamo.vllm")!;
            assert.strictEqual(found.filter((pr) => pr === workerProgram).length, 2, "one worker container per role");
        });

        it("passes every program only flags of its pinned version, each with the values it takes", () => {
            for (const { where, container } of all) {
                const id = identify(container);
                if ("program" in id) {
                    assert.deepStrictEqual(argProblems(id.program, id.args), [], `${where}: ${id.args.join(" ")}`);
                }
            }
        });

        it("runs each program from an image of the version its flags were verified for", () => {
            for (const { where, container } of all) {
                const id = identify(container);
                if ("program" in id) {
                    const spec = PROGRAM_FLAGS[id.program];
                    assert.ok(
                        spec.images.some((re) => re.test(container.image)),
                        `${where}: ${container.image} is not ${spec.version}; re-verify the flags in tests/fixtures/flags.ts`,
                    );
                }
            }
        });

        it("hides no serving program inside a shell or Python script (its flags would go unchecked)", () => {
            for (const { where, container } of all) {
                if ("other" in identify(container)) {
                    const script = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
                    assert.ok(!SERVING_PROGRAM_IN_SCRIPT.test(script), `${where} runs a serving program inside a script`);
                }
            }
        });
    });
}

describe("flags: the checker itself", () => {
    const GOOD_SERVE = [
        "Qwen/Qwen3-0.6B",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--block-size",
        "128",
        "--enable-prefix-caching",
        "--kv-transfer-config",
        '{"kv_connector":"NixlConnector","kv_role":"kv_both"}',
    ];

    it("accepts arguments made of known flags and their values", () => {
        assert.deepStrictEqual(argProblems("vllm serve", GOOD_SERVE), []);
        assert.deepStrictEqual(argProblems("vllm serve", ["--max-model-len=4096"]), []);
        assert.deepStrictEqual(
            argProblems("vllm-router", [
                "--vllm-pd-disaggregation",
                "--prefill",
                "http://p-0:8000",
                "none",
                "--prefill",
                "http://p-1:8000",
                "8998",
                "--decode",
                "http://d-0:8200",
            ]),
            [],
        );
    });

    it("takes every key=value after a selector, and a flag after them as a flag", () => {
        assert.deepStrictEqual(argProblems("vllm-router", ["--prefill-selector", "a=b", "c=d", "--service-discovery"]), []);
        assert.deepStrictEqual(argProblems("vllm-router", ["--prefill-selector", "--service-discovery"]), [
            'the value of --prefill-selector looks like a flag: "--service-discovery"',
        ]);
        assert.notDeepStrictEqual(argProblems("vllm-router", ["--host", "0.0.0.0", "stray"]), [], "one-value flags take one");
    });

    it("rejects a flag 0.27 removed (--disable-log-requests)", () => {
        assert.notDeepStrictEqual(argProblems("vllm serve", ["m", "--disable-log-requests"]), []);
    });

    it("rejects a made-up flag", () => {
        const problems = argProblems("vllm serve", [...GOOD_SERVE, "--made-up-flag", "1"]);
        assert.strictEqual(problems.length, 2, problems.join("; ")); // the flag, then its orphaned value
        assert.match(problems[0], /--made-up-flag is not a flag of vllm serve/);
        assert.notDeepStrictEqual(argProblems("dynamo.frontend", ["--http-port", "8000", "--router-replica-synch"]), []);
    });

    it("rejects a flag of another program or another spelling", () => {
        assert.notDeepStrictEqual(argProblems("dynamo.vllm", ["--host", "0.0.0.0"]), [], "dynamo.vllm takes no OpenAI-server --host");
        assert.notDeepStrictEqual(argProblems("vllm-router", ["--pd-disaggregation"]), [], "removed SGLang-style flag");
        assert.notDeepStrictEqual(argProblems("vllm serve", ["--block_size", "16"]), [], "underscore spelling");
    });

    it("rejects a missing value and a value that looks like a flag", () => {
        assert.deepStrictEqual(argProblems("vllm serve", ["--port"]), ["--port needs a value"]);
        assert.deepStrictEqual(argProblems("vllm-router", ["--host", "--port", "8000"]), [
            'the value of --host looks like a flag: "--port"',
        ]);
        assert.deepStrictEqual(argProblems("vllm-router", ["--prefill", "--decode", "http://d-0:8200"]), [
            'the value of --prefill looks like a flag: "--decode"',
        ]);
    });

    it("takes a negative number as a value, not a flag", () => {
        assert.deepStrictEqual(argProblems("dynamo.frontend", ["--router-temperature", "-1"]), []);
    });

    it("rejects a value given to a switch and stray positional arguments", () => {
        assert.notDeepStrictEqual(argProblems("dynamo.vllm", ["--enable-prefix-caching=true"]), []);
        assert.notDeepStrictEqual(argProblems("dynamo.vllm", ["--enable-prefix-caching", "true"]), []);
        assert.notDeepStrictEqual(argProblems("vllm serve", ["model-a", "model-b"]), []);
    });

    it("identifies programs from command and args however they are split", () => {
        assert.deepStrictEqual(identify({ name: "a", image: "i", command: ["vllm"], args: ["serve", "m", "--port", "1"] }), {
            program: "vllm serve",
            args: ["m", "--port", "1"],
        });
        assert.deepStrictEqual(identify({ name: "b", image: "i", command: ["python3", "-m", "dynamo.vllm"], args: ["--model", "m"] }), {
            program: "dynamo.vllm",
            args: ["--model", "m"],
        });
        assert.ok("unknown" in identify({ name: "c", image: "i", command: ["python3", "-m", "dynamo.planner"] }));
        assert.ok("unknown" in identify({ name: "d", image: "i", command: ["trtllm-serve"] }));
    });

    it("has a source for every flag of the fixture", () => {
        for (const [program, spec] of Object.entries(PROGRAM_FLAGS)) {
            for (const [flag, flagSpec] of Object.entries(spec.flags)) {
                assert.match(flag, /^--[a-z0-9]+(-[a-z0-9]+)*$/, `${program} ${flag}`);
                assert.ok(flagSpec.source.includes("/") && flagSpec.source.length > 20, `${program} ${flag}: ${flagSpec.source}`);
            }
        }
    });
});
