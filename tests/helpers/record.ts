/**
 * One component constructed alone under the plan's recording mocks (pulumi-awsx style): what it
 * registers, with inputs, parents and dependencies, without planning the whole program.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, PlanMocks, RecordedResource } from "../../plan/offline/mocks";

/** Runs build() on fresh mocks and returns every resource it registered, once all are in. */
export async function record(build: () => unknown): Promise<RecordedResource[]> {
    const mocks = new PlanMocks();
    await installMocks(mocks, "pd-serving", "test");
    build();
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return mocks.resources;
}

/** The one recorded resource of this type and name. */
export function one(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type} ${name}, found ${found.length}: ${resources.map((r) => `${r.type}::${r.name}`).join(", ")}`);
    }
    return found[0];
}

/** Every resource of a type. */
export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** A resource and its ancestors, by `type::name`, nearest first. */
export function lineage(resources: RecordedResource[], resource: RecordedResource): RecordedResource[] {
    const byRef = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
    const chain: RecordedResource[] = [];
    for (let r: RecordedResource | undefined = resource; r; r = r.parent ? byRef.get(r.parent) : undefined) {
        chain.push(r);
    }
    return chain;
}

/**
 * Whether `resource` is ordered after `dependency` (`type::name`): it or one of its ancestors
 * depends on it. The engine deletes in reverse, so destroy removes `resource` first.
 */
export function orderedAfter(resources: RecordedResource[], resource: RecordedResource, dependency: string): boolean {
    return lineage(resources, resource).some((r) => r.dependencies.includes(dependency));
}
