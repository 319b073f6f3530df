/**
 * npx tsx scripts/sweep.ts [--verbose]
 *
 * Tries hostile, boundary and infeasible configs against the offline plan, in-process along the
 * same path as `npm run plan` (checkOutDir, loadPlanConfig, buildPlan, writePlan), and counts how
 * each ends: rejected cleanly (ConfigErrors only, one line each naming a key, nothing written, no
 * canary secret on the console), planned (exit 0: a bad config not caught), crashed (any other
 * error), or leaked (a canary secret in an output file or on the console). A few good configs
 * run alongside as controls and must plan. Exit 1 when any bad config is not rejected cleanly.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildPlan, checkOutDir, writePlan } from "../plan/offline/plan";
import { loadPlanConfig } from "../plan/offline/stackFiles";
import { configErrorsOf } from "../stacks/errors";

const ROOT = path.resolve(__dirname, "..");
const CANARY = "hf_SWEEPCANARY0123456789";

interface Attempt {
    /** What the config tries. */
    label: string;
    stack: string;
    sets: string[];
    /** `--out` relative to a fresh temp folder; default "plan". */
    out?: (dir: string) => string;
    /** A control: must plan. */
    good?: boolean;
    /** Plan as stack `renamed`: a copy of Pulumi.<stack>.yaml under that name in a temp root. */
    renamed?: string;
}

const dev = (label: string, ...sets: string[]): Attempt => ({ label, stack: "dev", sets });
const llama = (label: string, ...sets: string[]): Attempt => ({ label, stack: "llama31-pd", sets });
const cn = ["aws:region=cn-north-1", "availabilityZones=cn-north-1a,cn-north-1b", "gpuAvailabilityZone=cn-north-1a"];

const ATTEMPTS: Attempt[] = [
    // Model ids the hub rejects.
    dev("model with --", "model=Qwen/Qwen3--0.6B"),
    dev("model with ..", "model=Qwen/Qwen3..0.6B"),
    dev("model starting with .", "model=.Qwen/Qwen3-0.6B"),
    dev("model ending with -", "model=Qwen/Qwen3-0.6B-"),
    dev("model ending with .git", "model=Qwen/Qwen3-0.6B.git"),
    dev("model with two slashes", "model=a/b/c-1B"),
    dev("model with a space", "model=Qwen/Qwen3 0.6B"),
    dev("model with unicode", "model=Qwen/Qwén3-0.6B"),
    dev("model name of 97 characters", `model=Qwen/${"a".repeat(94)}-1B`),
    dev("empty model", "model="),
    // Attention heads against tensorParallelSize.
    llama("Qwen2.5-7B (28 heads) at TP 8", "model=Qwen/Qwen2.5-7B-Instruct", "tensorParallelSize=8"),
    llama(
        "Qwen2.5-7B at TP 8 on p5en",
        "model=Qwen/Qwen2.5-7B-Instruct",
        "tensorParallelSize=8",
        "gpuInstanceType=p5en.48xlarge",
        "efa=false",
    ),
    llama("Qwen2.5-7B at TP 8 on p4d", "model=Qwen/Qwen2.5-7B-Instruct", "tensorParallelSize=8", "gpuInstanceType=p4d.24xlarge"),
    // KV cache against maxModelLen.
    dev("Llama 8B, 32000 tokens on an A10G", "model=meta-llama/Llama-3.1-8B-Instruct", "maxModelLen=32000"),
    dev("Qwen3-8B, 40960 tokens on an A10G", "model=Qwen/Qwen3-8B", "maxModelLen=40960"),
    dev("Llama 3.2 3B, 131072 tokens on an A10G", "model=meta-llama/Llama-3.2-3B-Instruct", "maxModelLen=131072"),
    llama("Llama 70B at TP 2, 131072 tokens", "model=meta-llama/Llama-3.1-70B-Instruct", "tensorParallelSize=2", "maxModelLen=131072"),
    dev("maxModelLen above the model's context", "maxModelLen=65536"),
    // Partitions.
    dev("admin ARN of aws-cn in us-east-1", "adminRoleArns=arn:aws-cn:iam::123456789012:role/Admin"),
    dev("admin ARN of aws-us-gov in us-east-1", "adminRoleArns=arn:aws-us-gov:iam::123456789012:role/Admin"),
    dev("admin ARN of aws in cn-north-1", ...cn, "adminRoleArns=arn:aws:iam::123456789012:role/Admin"),
    dev("ISO region", "aws:region=us-iso-east-1"),
    dev("EU sovereign region", "aws:region=eusc-de-east-1"),
    dev("region with a typo", "aws:region=us-east1"),
    // Duplicates.
    dev("duplicate zones", "availabilityZones=us-east-1a,us-east-1b,us-east-1a"),
    dev("duplicate API CIDRs", "apiPublicAccessCidrs=203.0.113.0/24,203.0.113.0/24"),
    dev("duplicate admin ARNs", "adminRoleArns=arn:aws:iam::123456789012:role/A,arn:aws:iam::123456789012:role/A"),
    dev("duplicate endpoint CIDRs", "endpointScheme=internet-facing", "endpointAllowedCidrs=198.51.100.0/24,198.51.100.0/24"),
    dev("duplicate private subnets", "vpcId=vpc-0123456789abcdef0", "privateSubnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef0"),
    dev("duplicate log types", "controlPlaneLogTypes=api,api"),
    // Blanks.
    dev("workerCpu with a leading blank", "workerCpu= 3"),
    dev("workerMemory with a trailing blank", "workerMemory=12Gi "),
    dev("modelParamsBillions with blanks", "model=org/custom-model", "modelParamsBillions= 0.6 "),
    dev("hfToken with blanks", `hfToken= ${CANARY} `),
    dev("gpuCapacityReservationId with blanks", "gpuCapacityReservationId= cr-0123456789abcdef0"),
    // Names derived from the stack name (the stack file is copied under the new name).
    { ...dev("stack name of 60 characters"), renamed: "x".repeat(60) },
    { ...dev("stack name of 46 characters (cluster name 57)"), renamed: "s".repeat(46) },
    { ...dev("stack name with a dot"), renamed: "team.dev" },
    { ...dev("control: stack name with an underscore"), renamed: "dev_2026", good: true },
    // System node capacity.
    dev("dynamo on m5.large", "graph=dynamo", "systemInstanceType=m5.large"),
    dev("dynamo, 4 frontends on m7i.large", "graph=dynamo", "systemInstanceType=m7i.large", "frontendReplicas=4"),
    dev("6 routers on one m6i.large", "systemInstanceType=m6i.large", "frontendReplicas=6", "systemNodeCount=1"),
    dev("32 frontends on 3 m5.large", "graph=dynamo", "systemInstanceType=m5.large", "frontendReplicas=32"),
    // --out.
    { label: "--out is a file", stack: "dev", sets: [], out: (d) => path.join(d, "file.txt") },
    { label: "--out inside a file", stack: "dev", sets: [], out: (d) => path.join(d, "file.txt", "plan") },
    { label: "--out is a non-plan folder", stack: "dev", sets: [], out: (d) => path.join(d, "folder") },
    // Mistyped secret-looking keys and tokens in the wrong place.
    dev("hfTokn", `hfTokn=${CANARY}`),
    dev("hf_token", `hf_token=${CANARY}`),
    dev("apiKey", `apiKey=${CANARY}`),
    dev("HFTOKEN", `HFTOKEN=${CANARY}`),
    dev("password", `password=${CANARY}`),
    dev("token pasted into model", `model=${CANARY}`),
    dev("token pasted into workerCpu", `workerCpu=${CANARY}`),
    dev("token as an admin ARN", `adminRoleArns=${CANARY}`),
    dev("malformed --set holding a token", `=${CANARY}`),
    // Other boundaries.
    dev("modelRevision a branch", "modelRevision=main"),
    dev("modelRevision short hash", "modelRevision=0123abc"),
    dev("modelRevision uppercase", "modelRevision=ABCDEF0123456789ABCDEF0123456789ABCDEF01"),
    dev("unknown log type", "controlPlaneLogTypes=api,kubelet"),
    dev(
        "efa with vpcId and no GPU subnets",
        "vpcId=vpc-0123456789abcdef0",
        "privateSubnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "gpuInstanceType=p5.48xlarge",
        "efa=true",
        "workerCpu=22",
        "workerMemory=100Gi",
    ),
    dev("API CIDR with host bits", "apiPublicAccessCidrs=203.0.113.7/24"),
    dev("negative replicas", "prefillReplicas=-1"),
    dev("replicas as a float", "decodeReplicas=1.5"),
    dev("TP 3", "tensorParallelSize=3"),
    dev("JSON array that is not strings", "availabilityZones=[1,2]"),
    dev("broken JSON array", 'availabilityZones=["us-east-1a"'),
    // Earlier classes, kept in the sweep so they stay closed.
    dev("vpcCidr /8", "vpcCidr=10.0.0.0/8"),
    dev("vpcCidr with host bits", "vpcCidr=10.0.0.1/16"),
    dev("GPU zone of another region", "gpuAvailabilityZone=us-west-2a"),
    dev("internet-facing without an allowlist", "endpointScheme=internet-facing"),
    dev("Capacity Block without a reservation", "gpuCapacityType=CAPACITY_BLOCK"),
    dev("malformed reservation id", "gpuCapacityReservationId=cr-xyz"),
    dev("gpuSubnetIds without vpcId", "gpuSubnetIds=subnet-0123456789abcdef0"),
    dev("efa on g5.xlarge", "efa=true"),
    dev("blockSize 48", "blockSize=48"),
    dev("Kubernetes 1.29", "kubernetesVersion=1.29"),
    dev("dynamo on 2 system nodes", "graph=dynamo", "systemNodeCount=2"),
    llama("gpuNodeCount too small", "gpuNodeCount=1"),
    llama("spare nodes on a fixed gpuNodeCount", "gpuNodeCount=3", "spareGpuNodes=1"),
    llama("spareGpuNodes above its bound", "spareGpuNodes=17"),
    dev("spare nodes past one node group", "prefillReplicas=220", "decodeReplicas=220", "spareGpuNodes=11"),
    dev("workerCpu above the node", "workerCpu=8"),
    dev("workerMemory above the node", "workerMemory=100Ti"),
    dev("prefill without decode", "decodeReplicas=0"),
    llama("Llama 70B at TP 1", "model=meta-llama/Llama-3.1-70B-Instruct"),
    dev("unknown model without a size", "model=org/custom-model"),
    dev("modelParamsBillions not a number", "model=org/custom-model", "modelParamsBillions=abc"),
    dev("unknown graph", "graph=sglang"),
    dev("unknown router policy", "routerPolicy=least_loaded"),
    dev("admin ARN that is not an ARN", "adminRoleArns=Admin"),
    dev("API CIDR /33", "apiPublicAccessCidrs=0.0.0.0/33"),
    llama(
        "EFA DLC in a region without it",
        "aws:region=ap-east-2",
        "availabilityZones=ap-east-2a,ap-east-2b",
        "gpuAvailabilityZone=ap-east-2a",
    ),
    dev("systemInstanceType not in the table", "systemInstanceType=t3.micro"),
    dev("boolean typo", "efa=yes"),
    // Controls: good configs that must plan.
    { ...dev("control: dev"), good: true },
    { ...llama("control: llama31-pd"), good: true },
    { ...dev("control: private API endpoint", "apiPublicAccessCidrs=[]"), good: true },
    { ...dev("control: pinned revision", "modelRevision=c1899de289a04d12100db370d81485cdf75e47ca"), good: true },
    { ...dev("control: cn-north-1", ...cn), good: true },
    { ...dev("control: provider secret is redacted", `aws:secretKey=${CANARY}`), good: true },
    { ...dev("control: hfToken set", `hfToken=${CANARY}`), good: true },
];

type Outcome = "rejected cleanly" | "planned" | "crashed" | "leaked" | "unclear error";

async function attempt(a: Attempt): Promise<{ outcome: Outcome; detail: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pd-serving-sweep-"));
    fs.writeFileSync(path.join(dir, "file.txt"), "keep");
    fs.mkdirSync(path.join(dir, "folder"));
    fs.writeFileSync(path.join(dir, "folder", "precious.txt"), "keep");
    const out = (a.out ?? ((d: string) => path.join(d, "plan")))(dir);
    const consoleText: string[] = [];
    const saved = { log: console.log, warn: console.warn, error: console.error };
    const capture = (...args: unknown[]) => consoleText.push(args.map(String).join(" "));
    console.log = console.warn = console.error = capture;
    try {
        checkOutDir(out, ROOT);
        let root = ROOT;
        let stack = a.stack;
        if (a.renamed !== undefined) {
            root = path.join(dir, "root");
            fs.mkdirSync(root);
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            fs.copyFileSync(path.join(ROOT, `Pulumi.${a.stack}.yaml`), path.join(root, `Pulumi.${a.renamed}.yaml`));
            stack = a.renamed;
        }
        const planConfig = loadPlanConfig(root, stack, a.sets);
        const result = await buildPlan(planConfig);
        writePlan(result, out, planConfig.secretValues);
        const written = fs.readdirSync(out, { recursive: true, encoding: "utf8" }) as string[];
        const text = written
            .map((f) => path.join(out, f))
            .filter((f) => fs.statSync(f).isFile())
            .map((f) => fs.readFileSync(f, "utf8"))
            .join("\n");
        if ((text + consoleText.join("\n")).includes(CANARY)) {
            return { outcome: "leaked", detail: "canary in output" };
        }
        return { outcome: "planned", detail: `${result.plan.resources.length} resources` };
    } catch (err) {
        const errors = configErrorsOf(err);
        if (errors.length === 0) {
            return { outcome: "crashed", detail: err instanceof Error ? (err.stack ?? err.message).split("\n")[0] : String(err) };
        }
        const messages = errors.map((e) => `error: ${e.message}`);
        if ([...messages, ...consoleText].some((m) => m.includes(CANARY))) {
            return { outcome: "leaked", detail: "canary on the console" };
        }
        const clear = errors.every((e) => !/[\r\n]/.test(e.message) && e.message.includes(`'${e.key}'`));
        const untouched = !fs.existsSync(path.join(dir, "plan")) && fs.readFileSync(path.join(dir, "file.txt"), "utf8") === "keep";
        return { outcome: clear && untouched ? "rejected cleanly" : "unclear error", detail: messages.join(" | ") };
    } finally {
        Object.assign(console, saved);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<number> {
    const verbose = process.argv.includes("--verbose");
    const counts = new Map<string, number>();
    let failures = 0;
    for (const a of ATTEMPTS) {
        const { outcome, detail } = await attempt(a);
        const ok = a.good ? outcome === "planned" : outcome === "rejected cleanly";
        const bucket = `${a.good ? "control" : "bad"}: ${outcome}`;
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
        if (!ok) {
            failures++;
        }
        if (verbose || !ok) {
            console.log(`${ok ? "ok  " : "FAIL"} ${a.label}: ${outcome} (${detail.slice(0, 220)})`);
        }
    }
    const bad = ATTEMPTS.filter((a) => !a.good).length;
    console.log(`\n${bad} bad configs and ${ATTEMPTS.length - bad} controls tried:`);
    for (const [bucket, n] of [...counts.entries()].sort()) {
        console.log(`  ${bucket}: ${n}`);
    }
    return failures === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
