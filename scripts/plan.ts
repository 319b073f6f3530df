/**
 * npm run plan -- --stack <name> [--out <dir>] [--set <key>=<value>]...
 *
 * Runs the real program on Pulumi's mock runtime and writes what the stack would create:
 * <out>/plan.json and <out>/manifests/. Exit 0 on success, 2 on invalid config (one line on
 * stderr, nothing written), 1 on any other failure.
 */
import * as path from "path";
import { buildPlan, checkOutDir, writePlan } from "../plan/offline/plan";
import { loadPlanConfig } from "../plan/offline/stackFiles";
import { PlanSummary } from "../plan/offline/summary";
import { ConfigError, configErrorsOf } from "../stacks/errors";

const ROOT = path.resolve(__dirname, "..");

interface Args {
    stack: string;
    out: string;
    sets: string[];
}

function parseArgs(argv: string[]): Args {
    let stack: string | undefined;
    let out: string | undefined;
    const sets: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] =
            arg.includes("=") && arg.startsWith("--")
                ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
                : [arg, undefined];
        const value = () => {
            if (inline !== undefined) {
                return inline;
            }
            const next = argv[++i];
            if (next === undefined) {
                throw new ConfigError(flag, undefined, "needs a value.");
            }
            return next;
        };
        if (flag === "--stack") {
            stack = value();
        } else if (flag === "--out") {
            out = value();
        } else if (flag === "--set") {
            sets.push(value());
        } else {
            throw new ConfigError(
                arg,
                arg,
                "unknown argument; usage: npm run plan -- --stack <name> [--out <dir>] [--set <key>=<value>]...",
            );
        }
    }
    if (!stack) {
        throw new ConfigError(
            "--stack",
            undefined,
            "is required; usage: npm run plan -- --stack <name> [--out <dir>] [--set <key>=<value>]...",
        );
    }
    return { stack, out: out ?? path.join("out", stack), sets };
}

function describe(summary: PlanSummary, outDir: string): string {
    const usd = (n: number) => `$${n.toFixed(2)}`;
    return [
        `Plan of stack '${summary.stack}' written to ${outDir}`,
        `  graph ${summary.graph}, model ${summary.model}, region ${summary.region}`,
        `  workers: ${summary.prefillReplicas} prefill + ${summary.decodeReplicas} decode`,
        `  GPUs: ${summary.gpusRequested} requested / ${summary.gpusProvisioned} provisioned on ${summary.gpuNodes} x ${summary.gpuInstanceType} (${summary.gpusPerNode} per node${summary.spareGpuNodes > 0 ? `; ${summary.spareGpuNodes} spare` : ""}), utilisation ${(summary.gpuUtilisation * 100).toFixed(0)}%`,
        `  system: ${summary.systemNodes} x ${summary.systemInstanceType}; model downloads from the hub per deploy: ${summary.modelDownloadsPerDeploy}`,
        `  resources: ${summary.resourceCount} (${summary.kubernetesObjects} Kubernetes objects, ${summary.helmReleases} Helm releases)`,
        `  cost: ${usd(summary.hourlyCostUsd)}/hour on demand (GPU nodes ${usd(summary.costBreakdown.gpuNodes)}` +
            `${summary.spareGpuNodes > 0 ? ` of which spare ${usd(summary.spareGpuNodesHourlyUsd)}` : ""}, system nodes ${usd(summary.costBreakdown.systemNodes)}, ` +
            `EKS ${usd(summary.costBreakdown.eksControlPlane)}, NAT ${usd(summary.costBreakdown.natGateways)}; ${summary.priceRegion} prices${summary.region !== summary.priceRegion ? ", region differs" : ""})`,
        ...(summary.gpuCapacityType === "CAPACITY_BLOCK"
            ? ["  GPU nodes run in a Capacity Block, paid up front: the GPU figure above is the on-demand equivalent"]
            : []),
        ...summary.vcpuQuotas.map((q) => `  EC2 quota: ${q.vcpus} vCPUs of "${q.quota}" (${q.code}) in ${summary.region}`),
    ].join("\n");
}

async function main(): Promise<number> {
    try {
        const args = parseArgs(process.argv.slice(2));
        checkOutDir(args.out, ROOT);
        const planConfig = loadPlanConfig(ROOT, args.stack, args.sets);
        const result = await buildPlan(planConfig);
        writePlan(result, args.out, planConfig.secretValues);
        console.log(describe(result.plan.summary, args.out));
        return 0;
    } catch (err) {
        const configErrors = configErrorsOf(err);
        if (configErrors.length > 0) {
            configErrors.forEach((e) => console.error(`error: ${e.message}`));
            return 2;
        }
        console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
        return 1;
    }
}

main().then((code) => process.exit(code));
