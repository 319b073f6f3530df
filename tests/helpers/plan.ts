/**
 * Test helpers around the offline plan: plan a stack in-process (plan/stackFiles loadPlanConfig +
 * plan/plan buildPlan, the same path `npm run plan` takes) and find resources and manifests in it.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../../plan/offline/mocks";
import { KubernetesObject } from "../../plan/offline/objects";
import { buildPlan, manifestFileName, Plan, PlanResult, renderManifest, renderPlanJson } from "../../plan/offline/plan";
import { loadPlanConfig, PlanConfig } from "../../plan/offline/stackFiles";
import { resolveStackConfig, StackConfig } from "../../stacks/resolve";

/** The repository root (where Pulumi.yaml and the stack files live). */
export const ROOT = path.resolve(__dirname, "..", "..");

export type PlannedResource = Plan["resources"][number];

export interface MockOptions {
    /**
     * Give every custom resource the id `mockId(type, name)` instead of the shared
     * KNOWN_AFTER_UP placeholder, so a test can tell which subnet, NAT gateway or route
     * table an input refers to.
     */
    distinctIds?: boolean;
    /** Extra output state merged into the mock state of every resource of a type. */
    state?: Record<string, Record<string, unknown>>;
}

/** The id a custom resource gets under `distinctIds`. */
export function mockId(type: string, name: string): string {
    return `id:${type}::${name}`;
}

/** A plan of one stack, with finders. */
export class StackPlan {
    constructor(
        public readonly planConfig: PlanConfig,
        public readonly result: PlanResult,
        /** How many resources of each type the `state` overrides were applied to. */
        public readonly stateOverrideHits: Record<string, number>,
        /** Messages the program logged with pulumi.log.warn (kept off the test output). */
        public readonly warnings: string[],
    ) {}

    get plan(): Plan {
        return this.result.plan;
    }

    /** All planned resources of a type. */
    resources(type: string): PlannedResource[] {
        return this.plan.resources.filter((r) => r.type === type);
    }

    /** The one planned resource of a type and name; fails with the names that exist. */
    resource(type: string, name: string): PlannedResource {
        const found = this.plan.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type} named ${name}, found ${found.length}; names of that type: ${
                    this.resources(type)
                        .map((r) => r.name)
                        .join(", ") || "(none)"
                }`,
            );
        }
        return found[0];
    }

    /** The only resource of a type; fails if there are none or several. */
    only(type: string): PlannedResource {
        const found = this.resources(type);
        if (found.length !== 1) {
            throw new Error(`expected exactly one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        }
        return found[0];
    }

    /** The id the mock gave a resource (only meaningful with `distinctIds`). */
    idOf(resource: PlannedResource): string {
        return mockId(resource.type, resource.name);
    }

    /** The managed node group labelled with the given pool. */
    nodeGroup(pool: string): PlannedResource {
        const groups = this.resources("aws:eks/nodeGroup:NodeGroup").filter(
            (r) => (r.inputs.labels as Record<string, string> | undefined)?.["pd-serving/node-pool"] === pool,
        );
        if (groups.length !== 1) {
            throw new Error(`expected one NodeGroup labelled pd-serving/node-pool=${pool}, found ${groups.length}`);
        }
        return groups[0];
    }

    /** All Kubernetes objects of the plan (as written to manifests/, Secret data redacted). */
    manifests(): KubernetesObject[] {
        return [...this.result.manifests.values()];
    }

    /** The one manifest of a kind and name (and namespace when given). */
    manifest(kind: string, name: string, namespace?: string): KubernetesObject {
        const found = this.manifests().filter(
            (o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
        );
        if (found.length !== 1) {
            throw new Error(
                `expected one ${kind} ${name}, found ${found.length}; ${kind} objects: ${
                    this.manifests()
                        .filter((o) => o.kind === kind)
                        .map(manifestFileName)
                        .join(", ") || "(none)"
                }`,
            );
        }
        return found[0];
    }

    /**
     * Everything the plan would write (plan.json, then each manifest in file order) as one
     * string. `secretValues` are scrubbed as `npm run plan` does; pass [] to see what the
     * program itself produced, without the scrubbing safety net.
     */
    render(secretValues: string[] = []): string {
        const files = [...this.result.manifests.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return [
            renderPlanJson(this.plan, secretValues),
            ...files.map(([file, object]) => `--- ${file}\n${renderManifest(object, secretValues)}`),
        ].join("\n");
    }
}

/**
 * Plans a stack in-process: Pulumi.yaml defaults, Pulumi.<stack>.yaml, then `sets`
 * (`key=value`, as `npm run plan -- --set`), run on the Pulumi mocks.
 */
export async function planStack(stack: string, sets: string[] = [], mocks: MockOptions = {}): Promise<StackPlan> {
    return planConfig(loadPlanConfig(ROOT, stack, sets), mocks);
}

const RUNTIME_WARNING = "warning: [runtime] ";

/** Plans an already loaded PlanConfig (see planStack). */
export async function planConfig(config: PlanConfig, mocks: MockOptions = {}): Promise<StackPlan> {
    const hits: Record<string, number> = {};
    const original = PlanMocks.prototype.newResource;
    const patched = mocks.distinctIds || mocks.state;
    if (patched) {
        // A test-only seam: PlanMocks is constructed inside runProgram, so its prototype is wrapped
        // for the duration of this one plan and restored afterwards.
        PlanMocks.prototype.newResource = function (this: PlanMocks, args: pulumi.runtime.MockResourceArgs) {
            const result = original.call(this, args);
            const extra = mocks.state?.[args.type];
            if (extra) {
                hits[args.type] = (hits[args.type] ?? 0) + 1;
            }
            return {
                id: mocks.distinctIds && args.custom ? mockId(args.type, args.name) : result.id,
                state: extra ? { ...result.state, ...extra } : result.state,
            };
        };
    }
    // Without an engine, pulumi.log.warn writes `warning: [runtime] <message>` with console.warn.
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
        const [first] = args;
        if (args.length === 1 && typeof first === "string" && first.startsWith(RUNTIME_WARNING)) {
            warnings.push(first.slice(RUNTIME_WARNING.length));
        } else {
            consoleWarn(...args);
        }
    };
    try {
        const result = await buildPlan(config);
        if (mocks.distinctIds && !JSON.stringify(result.plan.resources).includes('"id:')) {
            throw new Error(
                "distinctIds had no effect: PlanMocks.newResource is no longer a prototype method; update tests/helpers/plan.ts",
            );
        }
        return new StackPlan(config, result, hits, warnings);
    } finally {
        console.warn = consoleWarn;
        if (patched) {
            PlanMocks.prototype.newResource = original;
        }
    }
}

/** The raw strings of the project namespace (`pd-serving:` stripped), as `pulumi up` passes them. */
export function projectStrings(config: PlanConfig): Record<string, string> {
    const prefix = `${config.project}:`;
    return Object.fromEntries(
        Object.entries(config.config)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), value]),
    );
}

/** resolveStackConfig over a stack's merged config (Pulumi.yaml defaults, stack file, sets). */
export function resolveStack(stack: string, sets: string[] = []): StackConfig {
    const config = loadPlanConfig(ROOT, stack, sets);
    return resolveStackConfig(projectStrings(config), { project: config.project, stack, region: config.config["aws:region"] });
}
