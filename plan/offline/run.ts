/**
 * Runs the real program (index.ts) on the mock runtime and returns what it registered and its
 * resolved outputs. Used by the offline plan and by the end-to-end tests.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ProgramOptions } from "../../stacks/resolve";
import { installMocks, PlanMocks, RecordedResource, SECRET_PLACEHOLDER } from "./mocks";

export const PROGRAM_PATH = path.resolve(__dirname, "..", "..", "index.ts");

/** What one run of the program on the mocks recorded. */
export interface ProgramRun {
    resources: RecordedResource[];
    /** Stack outputs with secrets replaced by SECRET_PLACEHOLDER. */
    outputs: Record<string, unknown>;
}

/** What one offline run of the program is given. */
export interface RunArgs {
    /** Pulumi project name (pulumi.getProject()). */
    readonly project: string;
    /** Stack name (pulumi.getStack()). */
    readonly stack: string;
    /** Full config keys (`project:key`, `aws:region`) to raw string values. */
    readonly config: Record<string, string>;
    /** Full keys whose values are secrets. */
    readonly secretKeys: string[];
}

type Program = (options?: ProgramOptions) => Promise<Record<string, unknown>>;

export async function runProgram(args: RunArgs): Promise<ProgramRun> {
    const mocks = new PlanMocks();
    await installMocks(mocks, args.project, args.stack);
    pulumi.runtime.setAllConfig(args.config, args.secretKeys);
    // The program is a function so one process can run it under several configs.
    delete require.cache[require.resolve(PROGRAM_PATH)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is loaded after the mocks are installed, and reloaded per config
    const program = require(PROGRAM_PATH) as Program;
    const exported = await program({ offline: true });
    const outputs = (await resolveValue(exported)) as Record<string, unknown>;
    // Registrations the outputs do not depend on may still be in flight; waitForRPCs is exported
    // by @pulumi/pulumi/runtime/settings but missing from its typings.
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { resources: sortResources(mocks.resources), outputs };
}

function sortResources(resources: RecordedResource[]): RecordedResource[] {
    const key = (r: RecordedResource) => `${r.type}::${r.name}`;
    return [...resources].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Resolves Outputs deep inside a value; secret Outputs become SECRET_PLACEHOLDER. */
export async function resolveValue(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        if (await pulumi.isSecret(value)) {
            return SECRET_PLACEHOLDER;
        }
        const inner = await new Promise<unknown>((resolve) =>
            value.apply((v) => {
                resolve(v);
                return v;
            }),
        );
        return resolveValue(inner);
    }
    if (value instanceof Promise) {
        return resolveValue(await value);
    }
    if (pulumi.Resource.isInstance(value)) {
        return `${(value as unknown as { __pulumiType?: string }).__pulumiType ?? "resource"}`;
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolveValue));
    }
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveValue(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}
