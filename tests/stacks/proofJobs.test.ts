/**
 * components/serving/proof: the smoke-test Job `pulumi up` waits on, and the benchmark and
 * accuracy Jobs, in the plans of both graphs. They must send their requests to the frontend
 * Service and port the endpoint uses, check the NIXL counters under the names vLLM exposes, require
 * LIBFABRIC exactly when EFA is on, pass only flags the pinned tools have, and upload to a private
 * bucket that only their ServiceAccount may write to.
 */
import * as assert from "assert";
import { PROOF_JOB_NAMES } from "../../components/serving/proof/job";
import { LM_EVAL_FLAGS, VLLM_BENCH_SERVE_FLAGS } from "../fixtures/proofFlags";
import { planStack, StackPlan } from "../helpers/plan";
import { Container, envValue } from "../helpers/k8sSchema";

interface Job {
    metadata: { name: string; namespace: string; annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: {
        backoffLimit?: number;
        activeDeadlineSeconds?: number;
        template: { spec: { containers: Container[]; serviceAccountName?: string; restartPolicy?: string } };
    };
}

function job(p: StackPlan, name: string): { job: Job; container: Container } {
    const found = p.manifest("Job", name) as unknown as Job;
    return { job: found, container: found.spec.template.spec.containers[0] };
}

function hasJob(p: StackPlan, name: string): boolean {
    return p.manifests().some((o) => o.kind === "Job" && o.metadata.name === name);
}

/** Splits a shell line into words (plain words and single-quoted ones, as shellQuote writes them). */
function shellWords(line: string): string[] {
    const words: string[] = [];
    const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
    for (const m of line.matchAll(re)) {
        words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
    }
    return words;
}

/** argv of every line of a Job's bash script that starts with `prefix`, up to `||`. */
function scriptCommands(c: Container, prefix: string): string[][] {
    assert.deepStrictEqual(c.command?.slice(0, 2), ["bash", "-c"]);
    return c
        .command![2].split("\n")
        .filter((line) => line.startsWith(prefix))
        .map((line) => {
            const words = shellWords(line);
            const end = words.indexOf("||");
            return end < 0 ? words : words.slice(0, end);
        });
}

function flagsOf(argv: string[]): string[] {
    return argv.filter((t) => t.startsWith("--"));
}

function value(argv: string[], flag: string): string | undefined {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1];
}

/** The frontend Service the endpoint uses: the one selecting the frontend pods, with its http port. */
function frontendUrl(p: StackPlan, service: string): string {
    const svc = p.manifest("Service", service) as unknown as {
        metadata: { namespace: string };
        spec: { ports: { name: string; port: number }[] };
    };
    const port = svc.spec.ports.find((x) => x.name === "http")!.port;
    return `http://${service}.${svc.metadata.namespace}.svc.cluster.local:${port}`;
}

const GRAPHS = [
    { graph: "vllm-router", sets: [], frontend: "router", decodePort: 8000 },
    { graph: "dynamo", sets: ["graph=dynamo"], frontend: "frontend", decodePort: 9090 },
];

for (const g of GRAPHS) {
    describe(`proof Jobs: llama31-pd, ${g.graph}`, () => {
        let p: StackPlan;
        let all: StackPlan;
        before(async () => {
            p = await planStack("llama31-pd", g.sets);
            all = await planStack("llama31-pd", [...g.sets, "benchmark=true", "accuracyEval=true"]);
        });

        it("has the smoke-test Job by default, and neither benchmark nor accuracy Job", () => {
            assert.ok(hasJob(p, PROOF_JOB_NAMES.smoke));
            assert.ok(!hasJob(p, PROOF_JOB_NAMES.benchmark));
            assert.ok(!hasJob(p, PROOF_JOB_NAMES.accuracy));
            assert.deepStrictEqual(p.plan.summary.proofJobs, { smokeTest: true, benchmark: false, accuracyEval: false });
        });

        it("pulumi up waits for the smoke test past its deadline, and one failed pod fails it", () => {
            const { job: j } = job(p, PROOF_JOB_NAMES.smoke);
            assert.strictEqual(j.metadata.annotations?.["pulumi.com/skipAwait"], undefined);
            const timeout = Number(j.metadata.annotations?.["pulumi.com/timeoutSeconds"]);
            assert.ok(j.spec.activeDeadlineSeconds! >= 1800, "a cold start fits the deadline");
            assert.ok(timeout > j.spec.activeDeadlineSeconds!, `await ${timeout}s > deadline ${j.spec.activeDeadlineSeconds}s`);
            assert.strictEqual(j.spec.backoffLimit, 0);
            assert.strictEqual(j.spec.template.spec.restartPolicy, "Never");
        });

        it("smoke-tests through the API gateway the endpoint targets (with the key), and the decode workers' metrics port", () => {
            const { container } = job(p, PROOF_JOB_NAMES.smoke);
            assert.strictEqual(envValue(container, "BASE_URL"), frontendUrl(p, `${g.frontend}-gateway`));
            assert.strictEqual(envValue(container, "MODEL"), "meta-llama/Llama-3.1-8B-Instruct");
            const decode = JSON.parse(envValue(container, "DECODE_METRICS")!) as { selector: Record<string, string>; port: number }[];
            assert.deepStrictEqual(
                decode.map((d) => d.port),
                [g.decodePort],
            );
            assert.strictEqual(decode[0].selector["app.kubernetes.io/component"], "decode");
            assert.strictEqual(decode[0].selector["pd-serving/graph"], g.graph);
        });

        it("checks the NIXL counters by the names vLLM exposes (histogram _count, counter _total)", () => {
            const { container } = job(p, PROOF_JOB_NAMES.smoke);
            assert.strictEqual(envValue(container, "XFER_COUNT_METRIC"), "vllm:nixl_xfer_time_seconds_count");
            assert.strictEqual(envValue(container, "FAILED_TRANSFERS_METRIC"), "vllm:nixl_num_failed_transfers_total");
            assert.ok(Number(envValue(container, "MIN_PROMPT_TOKENS")) >= 2000);
        });

        it("with EFA, requires NIXL's LIBFABRIC backend in the log of every worker role", () => {
            const { job: j, container } = job(p, PROOF_JOB_NAMES.smoke);
            assert.strictEqual(envValue(container, "REQUIRE_BACKEND"), "LIBFABRIC");
            const roles = (JSON.parse(envValue(container, "LOG_TARGETS")!) as { role: string; container: string }[]).map((t) => t.role);
            assert.deepStrictEqual(roles.sort(), ["decode", "prefill"]);
            // Reading pod logs needs get on pods/log, in the serving namespace only.
            const role = p.manifest("Role", j.spec.template.spec.serviceAccountName!, "serving") as unknown as {
                rules: { resources: string[]; verbs: string[] }[];
            };
            assert.deepStrictEqual(
                role.rules.map((r) => [r.resources, r.verbs]),
                [
                    [["pods"], ["get", "list"]],
                    [["pods/log"], ["get"]],
                ],
            );
        });

        it("sends the endpoint's API key from the gateway's Secret", () => {
            for (const name of [PROOF_JOB_NAMES.smoke]) {
                const env = job(p, name).container.env ?? [];
                const key = env.find((e) => e.name === "OPENAI_API_KEY")?.valueFrom?.secretKeyRef;
                assert.deepStrictEqual(key, { name: `${g.frontend}-gateway-api-key`, key: "API_KEY" });
                const secret = p.manifest("Secret", `${g.frontend}-gateway-api-key`) as unknown as { stringData: Record<string, string> };
                assert.ok("API_KEY" in secret.stringData);
            }
        });

        it("benchmarks the seed's point, the 8P+8D table's points and a long-input point against the endpoint", () => {
            const { container } = job(all, PROOF_JOB_NAMES.benchmark);
            const runs = scriptCommands(container, "vllm bench serve");
            const points = runs.map((a) => [
                value(a, "--random-input-len"),
                value(a, "--random-output-len"),
                value(a, "--num-prompts"),
                value(a, "--max-concurrency"),
            ]);
            assert.deepStrictEqual(points, [
                ["2000", "2000", "100", "16"],
                ["1000", "1000", "200", "32"],
                ["1000", "1000", "200", "64"],
                ["1000", "1000", "200", "128"],
                ["1000", "1000", "200", "256"],
                ["8000", "250", "200", "32"],
            ]);
            for (const a of runs) {
                assert.strictEqual(value(a, "--base-url"), frontendUrl(all, `${g.frontend}-gateway`));
                assert.strictEqual(value(a, "--dataset-name"), "random");
                assert.ok(a.includes("--ignore-eos") && a.includes("--save-result"));
                assert.ok(value(a, "--result-dir")?.startsWith("/results/"));
                const unknown = flagsOf(a.slice(3)).filter((f) => !VLLM_BENCH_SERVE_FLAGS.includes(f));
                assert.deepStrictEqual(unknown, [], "flags vllm bench serve does not have");
            }
            assert.strictEqual(new Set(runs.map((a) => value(a, "--result-filename"))).size, runs.length, "one file per point");
        });

        it("runs lm_eval gsm8k the seed's way against the endpoint's /v1/completions", () => {
            const { container } = job(all, PROOF_JOB_NAMES.accuracy);
            const [argv] = scriptCommands(container, "lm_eval");
            assert.deepStrictEqual(
                flagsOf(argv).filter((f) => !LM_EVAL_FLAGS.includes(f)),
                [],
            );
            assert.strictEqual(value(argv, "--model"), "local-completions");
            assert.strictEqual(value(argv, "--tasks"), "gsm8k");
            assert.deepStrictEqual(value(argv, "--model_args")!.split(","), [
                "model=meta-llama/Llama-3.1-8B-Instruct",
                `base_url=${frontendUrl(all, `${g.frontend}-gateway`)}/v1/completions`,
                "num_concurrent=1",
                "max_retries=3",
                "tokenized_requests=False",
            ]);
            assert.ok(container.command![2].includes("pip install --quiet --no-cache-dir 'lm-eval[api]==0.4.12'"));
            assert.deepStrictEqual(all.plan.summary.proofJobs, { smokeTest: true, benchmark: true, accuracyEval: true });
        });

        it("uploads both Jobs' results with the ServiceAccount whose IRSA role may only put objects into the bucket", () => {
            for (const name of [PROOF_JOB_NAMES.benchmark, PROOF_JOB_NAMES.accuracy]) {
                const { job: j, container } = job(all, name);
                assert.strictEqual(j.spec.template.spec.serviceAccountName, "proof-results");
                assert.match(container.command![2], /python3 \/proof\/upload\.py \/results "\$GRAPH\/\$RUN_ID"/);
                assert.strictEqual(envValue(container, "GRAPH"), g.graph);
                // The gated model's tokenizer.
                assert.deepStrictEqual(container.env?.find((e) => e.name === "HF_TOKEN")?.valueFrom?.secretKeyRef, {
                    name: "hf-token",
                    key: "HF_TOKEN",
                });
            }
            const sa = all.manifest("ServiceAccount", "proof-results", "serving") as unknown as Job;
            assert.ok(sa.metadata.annotations?.["eks.amazonaws.com/role-arn"]);
            const trust = JSON.parse(all.resource("aws:iam/role:Role", "proof-results-writer").inputs.assumeRolePolicy as string);
            assert.ok(JSON.stringify(trust).includes("system:serviceaccount:serving:proof-results"));
            const policy = JSON.parse(all.resource("aws:iam/rolePolicy:RolePolicy", "proof-results-put").inputs.policy as string);
            assert.deepStrictEqual(
                policy.Statement.map((s: { Action: string; Resource: string }) => [s.Action, s.Resource.endsWith("/*")]),
                [["s3:PutObject", true]],
            );
        });

        it("keeps the bucket private and encrypted, and outputs its name", () => {
            const block = all.resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "proof-results").inputs;
            for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                assert.strictEqual(block[key], true, key);
            }
            const sse = all.resource(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "proof-results",
            ).inputs as { rules: { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[] };
            assert.strictEqual(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
            assert.ok("proofResultsBucket" in all.plan.outputs);
        });
    });
}

describe("proof Jobs: switches", () => {
    it("smokeTest=false plans no smoke Job; dev (no EFA) does not require LIBFABRIC", async () => {
        const off = await planStack("llama31-pd", ["smokeTest=false"]);
        assert.ok(!hasJob(off, PROOF_JOB_NAMES.smoke));
        assert.strictEqual(off.plan.summary.proofJobs.smokeTest, false);
        const dev = await planStack("dev");
        const { container } = job(dev, PROOF_JOB_NAMES.smoke);
        assert.strictEqual(envValue(container, "REQUIRE_BACKEND"), "");
        assert.deepStrictEqual(JSON.parse(envValue(container, "LOG_TARGETS")!), []);
    });
});
