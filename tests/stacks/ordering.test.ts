/**
 * Ordering the engine follows on `pulumi up` and reverses on `pulumi destroy`, read off the
 * dependencies the mocks record. Users depend on destroy removing the NLB while the load balancer
 * controller still runs (else the NLB and its ENIs are orphaned and the VPC cannot be deleted),
 * the volumes while the storage driver still runs, and every pod while its nodes exist.
 */
import * as assert from "assert";
import { planStack, PlannedResource, StackPlan } from "../helpers/plan";

/** `type::name` of a planned resource. */
const ref = (r: PlannedResource) => `${r.type}::${r.name}`;

/**
 * Whether r comes after a resource whose ref matches: r or an ancestor depends on it, directly or
 * through other resources (and their ancestors). That is the order the engine creates in, and
 * destroys in reverse.
 */
function orderedAfter(plan: StackPlan, r: PlannedResource, dependency: RegExp): boolean {
    const byRef = new Map(plan.plan.resources.map((x) => [ref(x), x]));
    const seen = new Set<string>();
    const pending = [r];
    while (pending.length > 0) {
        for (let at: PlannedResource | undefined = pending.pop(); at; at = at.parent ? byRef.get(at.parent) : undefined) {
            if (seen.has(ref(at))) {
                break;
            }
            seen.add(ref(at));
            for (const d of at.dependsOn) {
                if (dependency.test(d)) {
                    return true;
                }
                const next = byRef.get(d);
                if (next) {
                    pending.push(next);
                }
            }
        }
    }
    return false;
}

const LB_CONTROLLER = /^kubernetes:helm\.sh\/v3:Release::aws-load-balancer-controller$/;
const EBS_DRIVER =
    /^(aws:eks\/addon:Addon::storage-ebs-csi|pd-serving:platform:Storage::storage|kubernetes:storage\.k8s\.io\/v1:StorageClass::.*)$/;
const GPU_NODES = /^aws:eks\/nodeGroup:NodeGroup::gpu-nodes$/;

for (const [stack, sets] of [
    ["llama31-pd", []],
    ["llama31-pd", ["graph=dynamo"]],
] as const) {
    describe(`stacks: ordering of ${stack} ${sets.join(" ")}`.trim(), function () {
        let plan: StackPlan;
        before(async () => {
            plan = await planStack(stack, [...sets]);
        });

        it("the endpoint's LoadBalancer Service comes after the load balancer controller (destroy removes the NLB first)", () => {
            const services = plan
                .resources("kubernetes:core/v1:Service")
                .filter((s) => (s.inputs.spec as { type?: string }).type === "LoadBalancer");
            assert.ok(services.length > 0);
            services.forEach((s) => assert.ok(orderedAfter(plan, s, LB_CONTROLLER), `${ref(s)} is not ordered after the LB controller`));
        });

        it("every StatefulSet with volumes comes after the storage driver (destroy deletes volumes first)", () => {
            const withVolumes = plan
                .resources("kubernetes:apps/v1:StatefulSet")
                .filter((s) => (s.inputs.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates);
            withVolumes.forEach((s) => assert.ok(orderedAfter(plan, s, EBS_DRIVER), `${ref(s)} is not ordered after the EBS CSI driver`));
            const releases = plan.resources("kubernetes:helm.sh/v3:Release").filter((r) => r.name === "nats");
            releases.forEach((r) =>
                assert.ok(orderedAfter(plan, r, EBS_DRIVER), "the NATS release is not ordered after the EBS CSI driver"),
            );
        });

        it("GPU workloads and the GPU DaemonSets come after the GPU node group", () => {
            const gpuWorkloads = plan.plan.resources.filter(
                (r) => /apps\/v1:(StatefulSet|Deployment|DaemonSet)$/.test(r.type) && JSON.stringify(r.inputs).includes('"nvidia.com/gpu"'),
            );
            assert.ok(gpuWorkloads.length > 0);
            gpuWorkloads.forEach((w) => assert.ok(orderedAfter(plan, w, GPU_NODES), `${ref(w)} is not ordered after the GPU nodes`));
            const plugin = plan.resource("kubernetes:helm.sh/v3:Release", "nvidia-device-plugin");
            assert.ok(orderedAfter(plan, plugin, GPU_NODES));
        });
    });
}
