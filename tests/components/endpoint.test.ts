/**
 * Endpoint, constructed alone: the Service the AWS Load Balancer Controller turns into an NLB.
 * Users depend on it being an NLB with pod (ip) targets, internal unless asked, admitting only
 * the allowed clients when internet-facing, on the API's named port.
 */
import * as assert from "assert";
import { NLB_LOAD_BALANCER_CLASS } from "../../components/platform/loadBalancerController";
import { Endpoint, EndpointArgs } from "../../components/serving/endpoint";
import { one, record } from "../helpers/record";

const ARGS: EndpointArgs = { namespace: "serving", selector: { app: "router" }, targetPort: "http", scheme: "internal", allowedCidrs: [] };

async function endpointService(args: Partial<EndpointArgs>) {
    const resources = await record(() => new Endpoint("router-endpoint", { ...ARGS, ...args }));
    return one(resources, "kubernetes:core/v1:Service", "router-endpoint").inputs as {
        metadata: { annotations: Record<string, string>; namespace: string };
        spec: {
            type: string;
            loadBalancerClass: string;
            selector: Record<string, string>;
            ports: { port: number; targetPort: string }[];
            loadBalancerSourceRanges?: string[];
        };
    };
}

describe("components: Endpoint", () => {
    it("is a LoadBalancer Service claimed by the LB controller as an NLB with ip targets", async () => {
        const service = await endpointService({});
        assert.strictEqual(service.spec.type, "LoadBalancer");
        assert.strictEqual(service.spec.loadBalancerClass, NLB_LOAD_BALANCER_CLASS);
        assert.strictEqual(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
        assert.strictEqual(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
        assert.deepStrictEqual(service.spec.selector, { app: "router" });
        assert.strictEqual(service.metadata.namespace, "serving");
    });

    it("is internal by default and internet-facing only when asked, with the allowed CIDRs as source ranges", async () => {
        const internal = await endpointService({});
        assert.strictEqual(internal.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        const open = await endpointService({ scheme: "internet-facing", allowedCidrs: ["203.0.113.0/24"] });
        assert.strictEqual(open.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internet-facing");
        assert.deepStrictEqual(open.spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
    });

    it("health-checks the targets and serves port 80 by default on the API's named port", async () => {
        const service = await endpointService({});
        assert.ok(
            service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol"],
            "no health-check protocol",
        );
        assert.deepStrictEqual(
            service.spec.ports.map((p) => [p.port, p.targetPort]),
            [[80, "http"]],
        );
        const custom = await endpointService({ port: 8080 });
        assert.strictEqual(custom.spec.ports[0].port, 8080);
    });
});
