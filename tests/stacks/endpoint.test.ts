/**
 * components/endpoint.ts and the stack outputs users read after `pulumi up`: the router/frontend
 * behind a Service of type LoadBalancer that the AWS Load Balancer Controller turns into an NLB
 * with IP targets (internal unless asked, internet-facing only with a client allowlist), and the
 * endpoint, port-forward command and metrics URLs pointing at things the plan really creates.
 */
import * as assert from "assert";
import { DYNAMO_COMPONENT_KIND, withDynamoComponents } from "../helpers/dynamo";
import { planStack, StackPlan } from "../helpers/plan";

const SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type";

interface Service {
    metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
    spec: {
        type?: string;
        loadBalancerClass?: string;
        loadBalancerSourceRanges?: string[];
        selector?: Record<string, string>;
        ports: { name?: string; port: number; targetPort?: number | string }[];
    };
}
interface PodTemplate {
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec: {
        template: {
            metadata: { labels: Record<string, string> };
            spec: { containers: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
        };
    };
}

function loadBalancers(p: StackPlan): Service[] {
    return (p.manifests().filter((o) => o.kind === "Service") as unknown as Service[]).filter((s) => s.spec.type === "LoadBalancer");
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Workloads whose pods a Service selects. */
function selected(p: StackPlan, service: Service): PodTemplate[] {
    const workloads = withDynamoComponents(p.manifests()).filter((o) =>
        ["Deployment", "StatefulSet", "DaemonSet", DYNAMO_COMPONENT_KIND].includes(o.kind),
    ) as unknown as PodTemplate[];
    return workloads.filter(
        (w) => w.metadata.namespace === service.metadata.namespace && selects(service.spec.selector, w.spec.template.metadata.labels),
    );
}

/** The container port a Service port targets in a workload's pods. */
function targetContainerPort(w: PodTemplate, target: number | string | undefined): number | undefined {
    const ports = w.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
    return typeof target === "number"
        ? ports.find((p) => p.containerPort === target)?.containerPort
        : ports.find((p) => p.name === target)?.containerPort;
}

const GRAPHS = [
    { graph: "vllm-router", sets: [] as string[], frontend: "router", metricsKey: "router" },
    { graph: "dynamo", sets: ["graph=dynamo"], frontend: "frontend", metricsKey: "frontend" },
];

for (const { graph, sets, frontend, metricsKey } of GRAPHS) {
    describe(`endpoint, graph=${graph}: llama31-pd (internal by default)`, () => {
        let p: StackPlan;
        let lb: Service;
        before(async () => {
            p = await planStack("llama31-pd", sets);
            const found = loadBalancers(p);
            assert.strictEqual(found.length, 1, `one LoadBalancer Service, found ${found.map((s) => s.metadata.name).join(", ")}`);
            lb = found[0];
        });

        it("is a Service of type LoadBalancer for the AWS Load Balancer Controller's NLB, with IP targets", () => {
            assert.strictEqual(lb.spec.type, "LoadBalancer");
            assert.strictEqual(lb.spec.loadBalancerClass, "service.k8s.aws/nlb");
            assert.strictEqual(lb.metadata.annotations?.[TARGET_TYPE], "ip");
        });

        it("its target pods get the controller's target-health readiness gate (IP targets in a namespace labelled for injection)", () => {
            // The controller's pod webhook (chart 3.5.0 mpod.elbv2.k8s.aws) selects namespaces by this label.
            const ns = p.manifest("Namespace", lb.metadata.namespace!);
            assert.strictEqual(ns.metadata.labels?.["elbv2.k8s.aws/pod-readiness-gate-inject"], "enabled");
            assert.strictEqual(lb.metadata.annotations?.[TARGET_TYPE], "ip", "readiness gates apply to IP targets only");
        });

        it("is internal and admits the new VPC's CIDR only (never 0.0.0.0/0)", () => {
            assert.strictEqual(lb.metadata.annotations?.[SCHEME], "internal");
            assert.deepStrictEqual(lb.spec.loadBalancerSourceRanges, ["10.0.0.0/16"]);
        });

        it(`selects the API gateway in front of the ${frontend} (no router, frontend or worker) and targets its HTTP port`, () => {
            const targets = selected(p, lb);
            assert.deepStrictEqual(
                targets.map((w) => [w.metadata.name, w.metadata.labels?.["app.kubernetes.io/component"]]),
                [[`${frontend}-gateway`, "gateway"]],
            );
            for (const port of lb.spec.ports) {
                assert.ok(
                    targetContainerPort(targets[0], port.targetPort),
                    `targetPort ${port.targetPort} is no port of the ${frontend} pods`,
                );
            }
        });

        it("exports endpoint as the /v1 base URL", () => {
            const endpoint = p.plan.outputs.endpoint as string;
            assert.match(endpoint, /^http:\/\/.+\/v1$/);
        });

        it("exports a kubectl port-forward command to the frontend Service that exists, on a port it has", () => {
            const command = p.plan.outputs.portForwardCommand as string;
            const match = /^kubectl -n (\S+) port-forward svc\/(\S+) (\d+):(\d+)/.exec(command);
            assert.ok(match, command);
            const [, namespace, name, local, remote] = match;
            assert.strictEqual(name, frontend);
            const service = p.manifest("Service", name, namespace) as unknown as Service;
            assert.notStrictEqual(service.spec.type, "LoadBalancer", "the port-forward must work without the NLB");
            const port = service.spec.ports.find((sp) => sp.port === Number(remote));
            assert.ok(port, `Service ${name} has no port ${remote}`);
            const targets = selected(p, service);
            assert.deepStrictEqual(
                targets.map((w) => w.metadata.labels?.["app.kubernetes.io/component"]),
                [frontend],
            );
            assert.ok(targetContainerPort(targets[0], port.targetPort));
            assert.ok(command.includes(`http://localhost:${local}/v1`), command);
        });

        it(`exports metricsEndpoints with the ${frontend}'s /metrics on a port of its Service`, () => {
            const metrics = p.plan.outputs.metricsEndpoints as Record<string, string>;
            assert.ok(metrics.prefill && metrics.decode, JSON.stringify(metrics));
            const url = new URL(metrics[metricsKey]);
            assert.strictEqual(url.pathname, "/metrics");
            const [name, namespace] = url.hostname.split(".");
            const service = p.manifest("Service", name, namespace) as unknown as Service;
            assert.ok(
                service.spec.ports.some((sp) => sp.port === Number(url.port)),
                `${url} is no port of Service ${name}`,
            );
        });

        it("exports clusterName, graph and model", () => {
            assert.strictEqual(p.plan.outputs.clusterName, "pd-serving-llama31-pd");
            assert.strictEqual(p.plan.outputs.graph, graph);
            assert.strictEqual(p.plan.outputs.model, "meta-llama/Llama-3.1-8B-Instruct");
        });
    });

    describe(`endpoint, graph=${graph}: dev, internet-facing with an allowlist`, () => {
        const cidrs = ["203.0.113.0/24", "198.51.100.7/32"];
        let lb: Service;
        before(async () => {
            const p = await planStack("dev", [...sets, "endpointScheme=internet-facing", `endpointAllowedCidrs=${cidrs.join(",")}`]);
            lb = loadBalancers(p)[0];
        });

        it("is internet-facing, still an NLB with IP targets", () => {
            assert.strictEqual(lb.metadata.annotations?.[SCHEME], "internet-facing");
            assert.strictEqual(lb.metadata.annotations?.[TARGET_TYPE], "ip");
            assert.strictEqual(lb.spec.loadBalancerClass, "service.k8s.aws/nlb");
        });

        it("admits only endpointAllowedCidrs (loadBalancerSourceRanges)", () => {
            assert.deepStrictEqual(lb.spec.loadBalancerSourceRanges, cidrs);
        });
    });
}
