/**
 * The classes of bad config issue 14 found planning with exit 0 (or leaking a secret): each is
 * rejected by resolveStackConfig with one line on the right key, at least three cases a class.
 * A secret-looking value is never in the message.
 */
import * as assert from "assert";
import { configErrorsOf } from "../../stacks/errors";
import { resolveStackConfig, StackContext } from "../../stacks/resolve";
import { loadPlanConfig } from "../../plan/offline/stackFiles";
import { projectStrings, ROOT } from "../helpers/plan";

const DEV = projectStrings(loadPlanConfig(ROOT, "dev", []));
const LLAMA = projectStrings(loadPlanConfig(ROOT, "llama31-pd", []));
const CONTEXT: StackContext = { project: "pd-serving", stack: "test", region: "us-east-1" };

interface Case {
    raw: Record<string, string>;
    context?: Partial<StackContext>;
    key: string;
    /** Text that must not be in the message (a secret). */
    hidden?: string;
}

const CLASSES: Record<string, Case[]> = {
    "model ids the hub rejects": [
        { raw: { ...DEV, model: "Qwen/Qwen3--0.6B" }, key: "model" },
        { raw: { ...DEV, model: "Qwen/.Qwen3-0.6B" }, key: "model" },
        { raw: { ...DEV, model: "Qwen/Qwen3-0.6B-" }, key: "model" },
        { raw: { ...DEV, model: "Qwen/Qwen3..0.6B" }, key: "model" },
        { raw: { ...DEV, model: `Qwen/${"a".repeat(97)}-1B` }, key: "model" },
        { raw: { ...DEV, model: "org/team/model-8B" }, key: "model" },
        { raw: { ...DEV, model: "Qwen/Qwen3-0.6B.git" }, key: "model" },
        { raw: { ...DEV, model: "Qwen/Qwen3 0.6B" }, key: "model" },
    ],
    "attention heads tensorParallelSize cannot split": [
        // Qwen2.5-7B: 28 attention heads, 4 KV heads; TP 8 splits neither evenly.
        { raw: { ...LLAMA, model: "Qwen/Qwen2.5-7B-Instruct", tensorParallelSize: "8" }, key: "tensorParallelSize" },
        // The same model on other 8-GPU types: the heads do not depend on the GPU.
        {
            raw: { ...LLAMA, model: "Qwen/Qwen2.5-7B-Instruct", tensorParallelSize: "8", gpuInstanceType: "p5en.48xlarge", efa: "false" },
            key: "tensorParallelSize",
        },
        { raw: { ...LLAMA, model: "Qwen/Qwen2.5-7B-Instruct", tensorParallelSize: "8", efa: "false" }, key: "tensorParallelSize" },
    ],
    "a KV cache that does not fit next to the weights": [
        // Llama 8B on an A10G (22 GiB): ~15 GiB weights leave ~3 GiB, 128 KiB a token.
        { raw: { ...DEV, model: "meta-llama/Llama-3.1-8B-Instruct", maxModelLen: "32000" }, key: "maxModelLen" },
        { raw: { ...DEV, model: "Qwen/Qwen3-8B", maxModelLen: "40960" }, key: "maxModelLen" },
        // Llama 3.2 3B: 112 KiB a token; 131072 tokens need 14 GiB next to 6 GiB of weights.
        { raw: { ...DEV, model: "meta-llama/Llama-3.2-3B-Instruct", maxModelLen: "131072" }, key: "maxModelLen" },
    ],
    "names derived from the stack name": [
        { raw: DEV, context: { stack: "x".repeat(60) }, key: "stack" },
        { raw: DEV, context: { stack: "team.dev" }, key: "stack" },
        { raw: DEV, context: { stack: "a".repeat(46) }, key: "stack" },
    ],
    "ARNs and regions of other partitions": [
        { raw: { ...DEV, adminRoleArns: "arn:aws-cn:iam::123456789012:role/Admin" }, key: "adminRoleArns" },
        {
            raw: {
                ...DEV,
                adminRoleArns: "arn:aws:iam::123456789012:role/Admin",
                availabilityZones: "cn-north-1a,cn-north-1b",
                gpuAvailabilityZone: "cn-north-1a",
            },
            context: { region: "cn-north-1" },
            key: "adminRoleArns",
        },
        { raw: { ...DEV, adminRoleArns: "arn:aws-us-gov:iam::123456789012:user/alice" }, key: "adminRoleArns" },
        { raw: DEV, context: { region: "us-iso-east-1" }, key: "aws:region" },
        { raw: DEV, context: { region: "eusc-de-east-1" }, key: "aws:region" },
    ],
    "duplicates in lists": [
        { raw: { ...DEV, availabilityZones: "us-east-1a,us-east-1b,us-east-1a" }, key: "availabilityZones" },
        { raw: { ...DEV, apiPublicAccessCidrs: "203.0.113.0/24,203.0.113.0/24" }, key: "apiPublicAccessCidrs" },
        {
            raw: { ...DEV, adminRoleArns: "arn:aws:iam::123456789012:role/A,arn:aws:iam::123456789012:role/A" },
            key: "adminRoleArns",
        },
        {
            raw: {
                ...DEV,
                vpcId: "vpc-0123456789abcdef0",
                privateSubnetIds: "subnet-0123456789abcdef0,subnet-0123456789abcdef0",
            },
            key: "privateSubnetIds",
        },
        { raw: { ...DEV, controlPlaneLogTypes: "api,audit,api" }, key: "controlPlaneLogTypes" },
    ],
    "values with surrounding blanks": [
        { raw: { ...DEV, workerCpu: " 3" }, key: "workerCpu" },
        { raw: { ...DEV, workerMemory: "12Gi " }, key: "workerMemory" },
        { raw: { ...DEV, modelParamsBillions: " 0.6 " }, key: "modelParamsBillions" },
        { raw: { ...DEV, hfToken: " hf_secretsecretsecret" }, key: "hfToken", hidden: "hf_secretsecretsecret" },
    ],
    "a system instance too small for its pods": [
        { raw: { ...DEV, graph: "dynamo", systemInstanceType: "m5.large" }, key: "systemInstanceType" },
        { raw: { ...DEV, graph: "dynamo", systemInstanceType: "m7i.large", frontendReplicas: "4" }, key: "systemInstanceType" },
        { raw: { ...DEV, systemInstanceType: "m6i.large", frontendReplicas: "6", systemNodeCount: "1" }, key: "systemInstanceType" },
    ],
    "mistyped secret-looking keys": [
        { raw: { ...DEV, hfTokn: "hf_abcdefghijklmnop" }, key: "hfTokn", hidden: "hf_abcdefghijklmnop" },
        { raw: { ...DEV, apiKey: "plain-but-secret-123" }, key: "apiKey", hidden: "plain-but-secret-123" },
        { raw: { ...DEV, password: "hunter2hunter2" }, key: "password", hidden: "hunter2hunter2" },
        // A token pasted into a known key is not echoed either.
        { raw: { ...DEV, model: "hf_abcdefghijklmnopqrst" }, key: "model", hidden: "hf_abcdefghijklmnopqrst" },
    ],
    "bad control-plane logs and model revisions": [
        { raw: { ...DEV, controlPlaneLogTypes: "api,kubelet" }, key: "controlPlaneLogTypes" },
        { raw: { ...DEV, modelRevision: "main" }, key: "modelRevision" },
        { raw: { ...DEV, modelRevision: "ABCDEF0123456789abcdef0123456789abcdef01" }, key: "modelRevision" },
        { raw: { ...DEV, modelRevision: "0123456" }, key: "modelRevision" },
    ],
};

describe("validation classes (issue 14)", () => {
    for (const [name, cases] of Object.entries(CLASSES)) {
        describe(name, () => {
            it("has at least three cases", () => assert.ok(cases.length >= 3));
            cases.forEach((c, i) => {
                it(`case ${i + 1}: rejected on '${c.key}' in one line`, () => {
                    let errors: ReturnType<typeof configErrorsOf> = [];
                    try {
                        resolveStackConfig(c.raw, { ...CONTEXT, ...c.context });
                    } catch (err) {
                        errors = configErrorsOf(err);
                        assert.ok(errors.length > 0, String(err));
                    }
                    const error = errors.find((e) => e.key === c.key);
                    assert.ok(error, `no error on ${c.key}: ${errors.map((e) => e.message).join(" | ") || "(accepted)"}`);
                    assert.ok(!/[\r\n]/.test(error.message));
                    assert.ok(error.message.includes(`'${c.key}'`), error.message);
                    for (const e of errors) {
                        assert.ok(!c.hidden || !e.message.includes(c.hidden), `secret echoed: ${e.message}`);
                    }
                });
            });
        });
    }

    it("accepts what the classes must not catch: the shipped stacks, TP 8 for Llama 70B, an empty API CIDR list", () => {
        resolveStackConfig(DEV, CONTEXT);
        resolveStackConfig(LLAMA, CONTEXT);
        resolveStackConfig(
            { ...LLAMA, model: "meta-llama/Llama-3.1-70B-Instruct", tensorParallelSize: "8", maxModelLen: "32000" },
            CONTEXT,
        );
        const privateOnly = resolveStackConfig({ ...DEV, apiPublicAccessCidrs: "[]" }, CONTEXT);
        assert.deepStrictEqual(privateOnly.apiPublicAccessCidrs, []);
        resolveStackConfig({ ...DEV, modelRevision: "c1899de289a04d12100db370d81485cdf75e47ca" }, CONTEXT);
        assert.strictEqual(
            resolveStackConfig(
                { ...DEV, availabilityZones: "us-gov-west-1a,us-gov-west-1b", gpuAvailabilityZone: "us-gov-west-1a" },
                { ...CONTEXT, region: "us-gov-west-1" },
            ).partition,
            "aws-us-gov",
        );
    });
});
