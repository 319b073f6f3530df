/**
 * stacks/config.ts resolveStackConfig: the one gate every stack config passes before the
 * program registers anything. Invalid config must fail on the right key with a one-line
 * message that names the key and the bad value; valid config must derive the sizes users
 * rely on (GPU nodes, EFA devices per pod).
 */
import * as assert from "assert";
import { resolveStackConfig, StackConfig, StackContext } from "../../stacks/resolve";
import { ConfigError, configErrorsOf } from "../../stacks/errors";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { CONFIG_KEYS, CONFIG_SCHEMA, KeySpec } from "../../stacks/schema";
import { loadPlanConfig } from "../../plan/offline/stackFiles";
import { projectStrings, resolveStack, ROOT } from "../helpers/plan";

const DEV = projectStrings(loadPlanConfig(ROOT, "dev", []));
const LLAMA = projectStrings(loadPlanConfig(ROOT, "llama31-pd", []));
const CONTEXT: StackContext = { project: "pd-serving", stack: "test", region: "us-east-1" };

function resolve(raw: Record<string, string>, context: Partial<StackContext> = {}): StackConfig {
    return resolveStackConfig(raw, { ...CONTEXT, ...context });
}

/** The first ConfigError fn throws (validation reports every bad key; the first is the one asked about). */
function configErrorOf(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (err) {
        const errors = configErrorsOf(err);
        assert.ok(errors.length > 0, `expected a ConfigError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        return errors[0];
    }
    assert.fail("expected a ConfigError, nothing was thrown");
}

interface InvalidCase {
    name: string;
    raw: Record<string, string>;
    context?: Partial<StackContext>;
    key: string;
    /** How the bad value appears in the message. */
    value: string;
    /** Further text the message must contain (what makes it actionable). */
    mentions?: string[];
}

const INVALID: InvalidCase[] = [
    { name: "negative replicas", raw: { ...DEV, prefillReplicas: "-1" }, key: "prefillReplicas", value: "-1" },
    { name: "fractional replicas", raw: { ...DEV, decodeReplicas: "1.5" }, key: "decodeReplicas", value: '"1.5"' },
    { name: "non-numeric replicas", raw: { ...DEV, prefillReplicas: "abc" }, key: "prefillReplicas", value: '"abc"' },
    { name: "unknown graph", raw: { ...DEV, graph: "triton" }, key: "graph", value: '"triton"', mentions: ["dynamo", "vllm-router"] },
    {
        name: "unknown GPU instance type",
        raw: { ...DEV, gpuInstanceType: "p3.2xlarge" },
        key: "gpuInstanceType",
        value: '"p3.2xlarge"',
        mentions: ["p5.48xlarge"],
    },
    { name: "EFA on g5.xlarge (no EFA)", raw: { ...DEV, efa: "true" }, key: "efa", value: "true", mentions: ["g5.xlarge"] },
    {
        name: "EFA on p4d.24xlarge with 8 pods per node (4 EFA devices)",
        raw: { ...DEV, gpuInstanceType: "p4d.24xlarge", efa: "true", tensorParallelSize: "1", prefillReplicas: "4", decodeReplicas: "4" },
        key: "efa",
        value: "true",
        mentions: ["p4d.24xlarge", "tensorParallelSize"],
    },
    { name: "empty model", raw: { ...DEV, model: "" }, key: "model", value: '""' },
    {
        name: "unknown key (typo)",
        raw: { ...DEV, prefilReplicas: "2" },
        key: "prefilReplicas",
        // An unknown key's value is never shown (it may be a mistyped secret).
        value: "(value not shown)",
        mentions: ["prefillReplicas"],
    },
    {
        name: "gpuNodeCount too small for the pods (llama31-pd, 1 node)",
        raw: { ...LLAMA, gpuNodeCount: "1" },
        key: "gpuNodeCount",
        value: "1",
        mentions: ["8 prefill and 8 decode", "separate nodes", "at least 2"],
    },
    {
        // 16 GPUs hold 9 + 7 single-GPU pods, but not with the roles on separate nodes (2 + 1 nodes).
        name: "gpuNodeCount with enough GPUs but not for roles on separate nodes (9 + 7 on 2 x p5 with EFA)",
        raw: { ...LLAMA, prefillReplicas: "9", decodeReplicas: "7", gpuNodeCount: "2" },
        key: "gpuNodeCount",
        value: "2",
        mentions: ["9 prefill and 7 decode", "at least 3"],
    },
    {
        name: "Kubernetes 1.34 (leaves standard support on 2026-12-02)",
        raw: { ...DEV, kubernetesVersion: "1.34" },
        key: "kubernetesVersion",
        value: '"1.34"',
        mentions: ["2026-12-02", "extended support", "1.35, 1.36"],
    },
    {
        name: "an AMI release the catalogue does not know",
        raw: { ...DEV, gpuAmiRelease: "v20990101" },
        key: "gpuAmiRelease",
        value: '"v20990101"',
        mentions: ["v20260714"],
    },
    {
        name: "workerCpu above what a g5.xlarge has",
        raw: { ...DEV, workerCpu: "4" },
        key: "workerCpu",
        value: '"4"',
        mentions: ["g5.xlarge"],
    },
    { name: "workerCpu not a quantity", raw: { ...DEV, workerCpu: "two" }, key: "workerCpu", value: '"two"' },
    {
        name: "workerMemory 200Gi on g5.xlarge",
        raw: { ...DEV, workerMemory: "200Gi" },
        key: "workerMemory",
        value: '"200Gi"',
        mentions: ["g5.xlarge"],
    },
    { name: "vpcCidr not a CIDR", raw: { ...DEV, vpcCidr: "10.0.0/16" }, key: "vpcCidr", value: '"10.0.0/16"' },
    {
        name: "vpcCidr too large (/8)",
        raw: { ...DEV, vpcCidr: "10.0.0.0/8" },
        key: "vpcCidr",
        value: '"10.0.0.0/8"',
        mentions: ["/16", "/20"],
    },
    { name: "vpcCidr with host bits", raw: { ...DEV, vpcCidr: "10.0.1.0/16" }, key: "vpcCidr", value: '"10.0.1.0/16"' },
    {
        name: "gpuAvailabilityZone not in availabilityZones",
        raw: { ...DEV, availabilityZones: "us-east-1a,us-east-1b", gpuAvailabilityZone: "us-east-1c" },
        key: "gpuAvailabilityZone",
        value: '"us-east-1c"',
        mentions: ["us-east-1a", "us-east-1b"],
    },
    {
        name: "gpuAvailabilityZone in another region",
        raw: { ...DEV, gpuAvailabilityZone: "us-west-2a" },
        key: "gpuAvailabilityZone",
        value: '"us-west-2a"',
    },
    { name: "vpcId without subnets", raw: { ...DEV, vpcId: "vpc-0123456789abcdef0" }, key: "privateSubnetIds", value: "[]" },
    {
        name: "subnets without vpcId",
        raw: { ...DEV, privateSubnetIds: "subnet-0123456789abcdef0,subnet-0123456789abcdef1" },
        key: "privateSubnetIds",
        value: "subnet-0123456789abcdef0",
        mentions: ["vpcId"],
    },
    {
        name: "malformed vpcId",
        raw: { ...DEV, vpcId: "vpc-xyz", privateSubnetIds: "subnet-0123456789abcdef0,subnet-0123456789abcdef1" },
        key: "vpcId",
        value: '"vpc-xyz"',
    },
    {
        name: "bad admin ARN",
        raw: { ...DEV, adminRoleArns: "arn:aws:iam::123:role/Admin" },
        key: "adminRoleArns",
        value: '"arn:aws:iam::123:role/Admin"',
    },
    {
        name: "internet-facing endpoint without allowlist",
        raw: { ...DEV, endpointScheme: "internet-facing" },
        key: "endpointAllowedCidrs",
        value: "[]",
    },
    {
        name: "only prefill 0",
        raw: { ...DEV, prefillReplicas: "0", decodeReplicas: "1" },
        key: "prefillReplicas",
        value: "'prefillReplicas' = 0",
        mentions: ["both to 0"],
    },
    {
        name: "only decode 0",
        raw: { ...DEV, prefillReplicas: "2", decodeReplicas: "0" },
        key: "decodeReplicas",
        value: "'decodeReplicas' = 0",
    },
    { name: "missing aws:region", raw: { ...DEV }, context: { region: undefined }, key: "aws:region", value: "(unset)" },
    { name: "malformed aws:region", raw: { ...DEV }, context: { region: "us-east" }, key: "aws:region", value: '"us-east"' },
    { name: "bad boolean", raw: { ...DEV, efa: "yes" }, key: "efa", value: '"yes"', mentions: ["true or false"] },
    {
        name: "tensorParallelSize above the GPUs of a node",
        raw: { ...DEV, tensorParallelSize: "2" },
        key: "tensorParallelSize",
        value: "2",
        mentions: ["g5.xlarge"],
    },
    { name: "blockSize vLLM does not accept", raw: { ...DEV, blockSize: "48" }, key: "blockSize", value: "48" },
    {
        name: "dynamo with fewer than 3 system nodes (etcd/NATS quorum)",
        raw: { ...DEV, graph: "dynamo", systemNodeCount: "2" },
        key: "systemNodeCount",
        value: "2",
    },
    { name: "unsupported Kubernetes version", raw: { ...DEV, kubernetesVersion: "1.29" }, key: "kubernetesVersion", value: '"1.29"' },
];

describe("config: invalid stack config", () => {
    it("has at least 15 cases", () => {
        assert.ok(INVALID.length >= 15);
    });

    for (const c of INVALID) {
        it(`rejects ${c.name} on '${c.key}'`, () => {
            const err = configErrorOf(() => resolve(c.raw, c.context));
            assert.strictEqual(err.key, c.key, err.message);
            assert.ok(!/[\r\n]/.test(err.message), `message is not one line: ${JSON.stringify(err.message)}`);
            assert.ok(err.message.includes(c.key), `message does not name ${c.key}: ${err.message}`);
            assert.ok(err.message.includes(c.value), `message does not show the bad value ${c.value}: ${err.message}`);
            for (const text of c.mentions ?? []) {
                assert.ok(err.message.includes(text), `message does not mention ${text}: ${err.message}`);
            }
        });
    }

    it("the base configs of the table are valid (each case fails only because of its change)", () => {
        assert.doesNotThrow(() => resolve(DEV));
        assert.doesNotThrow(() => resolve(LLAMA));
    });

    // A derived gpuNodeCount must meet the same limit as an explicit one: EKS caps a managed node
    // group at 450 nodes by default (600 + 600 pods on g5.xlarge would derive 1200).
    it("rejects a derived gpuNodeCount above the schema maximum, like an explicit one", () => {
        const err = configErrorOf(() => resolve({ ...DEV, prefillReplicas: "600", decodeReplicas: "600" }));
        assert.ok(["gpuNodeCount", "prefillReplicas", "decodeReplicas"].includes(err.key), err.message);
    });
});

describe("config: valid stack config", () => {
    it("both stacks resolve with their file values", () => {
        const dev = resolveStack("dev");
        const llama = resolveStack("llama31-pd");
        assert.strictEqual(dev.gpuInstanceType, "g5.xlarge");
        assert.strictEqual(llama.gpuInstanceType, "p5.48xlarge");
        assert.strictEqual(llama.model, "meta-llama/Llama-3.1-8B-Instruct");
        assert.strictEqual(llama.efa, true);
        assert.strictEqual(llama.prefillReplicas + llama.decodeReplicas, 16);
        assert.strictEqual(llama.clusterName, "pd-serving-llama31-pd");
        assert.strictEqual(dev.clusterName, "pd-serving-dev");
    });

    it("llama31-pd: 16 pods x 1 GPU on p5.48xlarge derive 2 nodes, 8 pods per node, 4 EFA devices per pod", () => {
        const llama = resolveStack("llama31-pd");
        assert.strictEqual(llama.gpuPods, 16);
        assert.strictEqual(llama.podsPerGpuNode, 8);
        assert.strictEqual(llama.gpuNodeCount, 2);
        assert.strictEqual(llama.gpuNodeCountDerived, true);
        // p5.48xlarge has 32 EFA interfaces shared by its 8 worker pods.
        assert.strictEqual(llama.efaDevicesPerPod, GPU_INSTANCE_TYPES["p5.48xlarge"].maxEfaDevices / 8);
        assert.strictEqual(llama.efaDevicesPerPod, 4);
    });

    it("dev: 1 prefill + 1 decode on g5.xlarge derive 2 nodes, no EFA devices", () => {
        const dev = resolveStack("dev");
        assert.strictEqual(dev.gpuNodeCount, 2);
        assert.strictEqual(dev.gpuNodeCountDerived, true);
        assert.strictEqual(dev.efaDevicesPerPod, 0);
    });

    it("derived gpuNodeCount = ceil(pods x tensorParallelSize / GPUs per node)", () => {
        const cases: [string, number, number, number][] = [
            // instance, prefill, decode, tensorParallelSize
            ["p5.48xlarge", 8, 8, 1],
            ["p5.48xlarge", 12, 8, 1],
            ["p5.48xlarge", 5, 4, 2],
            ["p5.48xlarge", 3, 3, 8],
            ["g6e.12xlarge", 3, 2, 2],
            ["g5.xlarge", 3, 4, 1],
        ];
        for (const [instance, prefill, decode, tp] of cases) {
            const config = resolve({
                ...DEV,
                gpuInstanceType: instance,
                prefillReplicas: String(prefill),
                decodeReplicas: String(decode),
                tensorParallelSize: String(tp),
                workerCpu: "1",
                workerMemory: "2Gi",
            });
            const expected = Math.ceil(((prefill + decode) * tp) / GPU_INSTANCE_TYPES[instance].gpus);
            assert.strictEqual(config.gpuNodeCount, expected, `${prefill}+${decode} pods x TP ${tp} on ${instance}`);
            assert.strictEqual(config.gpusPerPod, tp);
        }
    });

    it("with EFA, prefill and decode fill nodes of their own: ceil(P / 8) + ceil(D / 8) on p5 (8+8 -> 2, 12+4 -> 3, 9+7 -> 3)", () => {
        for (const [prefill, decode, nodes] of [
            [8, 8, 2],
            [12, 4, 3],
            [9, 7, 3],
            [1, 1, 2],
        ]) {
            const config = resolve({ ...LLAMA, prefillReplicas: String(prefill), decodeReplicas: String(decode) });
            assert.strictEqual(config.efa, true);
            assert.strictEqual(config.gpuNodeCount, nodes, `${prefill}+${decode}`);
        }
        // Without EFA the roles share the pool: 9 + 7 fit on 2 nodes.
        assert.strictEqual(resolve({ ...LLAMA, efa: "false", prefillReplicas: "9", decodeReplicas: "7" }).gpuNodeCount, 2);
    });

    it("a fixed gpuNodeCount that holds the per-role layout is kept (9 + 7 on 3 x p5)", () => {
        const config = resolve({ ...LLAMA, prefillReplicas: "9", decodeReplicas: "7", gpuNodeCount: "3" });
        assert.strictEqual(config.gpuNodeCount, 3);
        assert.strictEqual(config.gpuNodeCountDerived, false);
    });

    it("defaults kubernetesVersion to 1.35 and accepts 1.36", () => {
        assert.strictEqual(resolve(DEV).kubernetesVersion, "1.35");
        assert.strictEqual(resolve({ ...DEV, kubernetesVersion: "1.36" }).kubernetesVersion, "1.36");
        assert.strictEqual(resolve(DEV).gpuAmiRelease, "v20260714");
    });

    it("prefillReplicas=12 on llama31-pd derives 3 nodes", () => {
        assert.strictEqual(resolveStack("llama31-pd", ["prefillReplicas=12"]).gpuNodeCount, 3);
    });

    it("0 + 0 replicas parks the graph with 0 GPU nodes", () => {
        const parked = resolve({ ...LLAMA, prefillReplicas: "0", decodeReplicas: "0" });
        assert.strictEqual(parked.gpuPods, 0);
        assert.strictEqual(parked.gpuNodeCount, 0);
    });

    it("gpuNodeCount 0 means derived (0 for a parked graph); any other value is kept", () => {
        const parked = resolve({ ...LLAMA, prefillReplicas: "0", decodeReplicas: "0", gpuNodeCount: "0" });
        assert.strictEqual(parked.gpuNodeCount, 0);
        assert.strictEqual(parked.gpuNodeCountDerived, true);
        assert.strictEqual(resolve({ ...LLAMA, gpuNodeCount: "0" }).gpuNodeCount, 2);
        const spare = resolve({ ...DEV, gpuNodeCount: "3" });
        assert.strictEqual(spare.gpuNodeCount, 3);
        assert.strictEqual(spare.gpuNodeCountDerived, false);
    });

    it("unset keys take the schema defaults", () => {
        const config = resolve({});
        for (const key of CONFIG_KEYS) {
            const spec: KeySpec = CONFIG_SCHEMA[key];
            if (key === "hfToken" || key === "gpuNodeCount") {
                continue;
            }
            assert.deepStrictEqual((config as unknown as Record<string, unknown>)[key], spec.default, key);
        }
        assert.strictEqual(config.createVpc, true);
        assert.strictEqual(config.hfTokenSet, false);
        assert.strictEqual(config.deployDynamoInfra, false);
    });

    it("parses lists given as JSON arrays or comma-separated strings alike", () => {
        const json = resolve({ ...DEV, availabilityZones: '["us-east-1a","us-east-1b"]' });
        const csv = resolve({ ...DEV, availabilityZones: "us-east-1a, us-east-1b" });
        assert.deepStrictEqual(json.availabilityZones, ["us-east-1a", "us-east-1b"]);
        assert.deepStrictEqual(csv.availabilityZones, ["us-east-1a", "us-east-1b"]);
    });

    it("an existing VPC turns off VPC creation", () => {
        const config = resolve({
            ...DEV,
            vpcId: "vpc-0123456789abcdef0",
            privateSubnetIds: "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        });
        assert.strictEqual(config.createVpc, false);
    });

    it("graph=dynamo or dynamoInfra=true deploy etcd and NATS", () => {
        assert.strictEqual(resolve({ ...DEV, graph: "dynamo" }).deployDynamoInfra, true);
        assert.strictEqual(resolve({ ...DEV, dynamoInfra: "true" }).deployDynamoInfra, true);
        assert.strictEqual(resolve({ ...DEV }).deployDynamoInfra, false);
    });

    it("records whether hfToken is set but never carries its value", () => {
        const canary = "hf_CANARY_config_0123456789";
        const config = resolve({ ...LLAMA, hfToken: canary });
        assert.strictEqual(config.hfTokenSet, true);
        assert.ok(!("hfToken" in config));
        assert.ok(!JSON.stringify(config).includes(canary));
    });
});
