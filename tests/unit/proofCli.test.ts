/**
 * scripts/proof.ts (`npm run proof`): it cannot reach a cluster here, so this checks what it
 * would run: the arguments it accepts, the Job it takes from the plan, the kubectl commands that
 * recreate and follow that Job with the stack's kubeconfig, and the S3 copy of the results the
 * Job's log names.
 */
import * as assert from "assert";
import {
    fetchArgv,
    jobManifest,
    parseProofArgs,
    POD_RUNNING_TIMEOUT,
    proofCommandPlan,
    resultsLocation,
    stackOutputArgv,
} from "../../scripts/proof";
import { planStack } from "../helpers/plan";

describe("npm run proof", () => {
    it("takes smoke, benchmark or eval, and --stack / --out", () => {
        assert.deepStrictEqual(parseProofArgs(["eval", "--stack", "llama31-pd"]), {
            command: "eval",
            kind: "accuracy",
            configKey: "accuracyEval",
            stack: "llama31-pd",
            outDir: "results",
        });
        assert.strictEqual(parseProofArgs(["smoke"]).stack, undefined);
        assert.strictEqual(parseProofArgs(["benchmark", "--out=/tmp/r"]).outDir, "/tmp/r");
        assert.throws(() => parseProofArgs([]), /expected one of smoke, benchmark, eval, got nothing/);
        assert.throws(() => parseProofArgs(["bench"]), /expected one of smoke, benchmark, eval, got bench/);
        assert.throws(() => parseProofArgs(["smoke", "benchmark"]), /expected one of/);
        assert.throws(() => parseProofArgs(["smoke", "--stack"]), /--stack needs a value/);
        assert.throws(() => parseProofArgs(["smoke", "--stack", "a", "--stack", "b"]), /given twice/);
        assert.throws(() => parseProofArgs(["smoke", "--graph", "dynamo"]), /unknown option --graph/);
    });

    it("reads the stack's outputs (the kubeconfig is a secret) from the chosen stack", () => {
        assert.deepStrictEqual(stackOutputArgv("dev"), ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", "dev"]);
        assert.deepStrictEqual(stackOutputArgv(undefined), ["pulumi", "stack", "output", "--json", "--show-secrets"]);
    });

    it("takes the Job of the asked kind from the plan with that Job turned on", async () => {
        const p = await planStack("llama31-pd", ["benchmark=true"]);
        assert.strictEqual(jobManifest(p.manifests(), "benchmark").metadata.name, "proof-benchmark");
        assert.strictEqual(jobManifest(p.manifests(), "smoke").metadata.name, "proof-smoke-test");
        assert.throws(() => jobManifest(p.manifests(), "accuracy"), /has 0 accuracy Jobs/);
    });

    it("deletes and recreates the Job, follows its log and reads its status, all with the stack's kubeconfig", () => {
        const plan = proofCommandPlan({ kubeconfig: "/tmp/k", namespace: "serving", kind: "benchmark", manifestFile: "/tmp/job.yaml" });
        const kubectl = ["kubectl", "--kubeconfig", "/tmp/k", "-n", "serving"];
        assert.deepStrictEqual(plan.recreate, [
            [...kubectl, "delete", "job", "proof-benchmark", "--ignore-not-found", "--wait=true"],
            [...kubectl, "create", "-f", "/tmp/job.yaml"],
        ]);
        assert.deepStrictEqual(plan.follow, [
            ...kubectl,
            "logs",
            "-f",
            "job/proof-benchmark",
            `--pod-running-timeout=${POD_RUNNING_TIMEOUT}`,
        ]);
        assert.deepStrictEqual(plan.status.slice(0, 8), [...kubectl, "get", "job", "proof-benchmark"]);
    });

    it("copies the run the log names (the last RESULTS line) from S3 into <out>/<graph>/<run id>", () => {
        const log = [
            "uploaded s3://b/x",
            "RESULTS s3://pd-serving-proof-abc123/vllm-router/20261130T090000Z",
            "RESULTS s3://pd-serving-proof-abc123/vllm-router/20261201T101500Z",
            "done",
        ].join("\n");
        const location = resultsLocation(log);
        assert.deepStrictEqual(location, { bucket: "pd-serving-proof-abc123", prefix: "vllm-router/20261201T101500Z" });
        assert.deepStrictEqual(fetchArgv(location!, "results"), [
            "aws",
            "s3",
            "cp",
            "--recursive",
            "s3://pd-serving-proof-abc123/vllm-router/20261201T101500Z",
            "results/vllm-router/20261201T101500Z",
        ]);
        assert.strictEqual(resultsLocation("SMOKE TEST PASSED\n"), undefined);
    });
});
