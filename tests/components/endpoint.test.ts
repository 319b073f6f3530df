/**
 * Endpoint, constructed alone: the Service the AWS Load Balancer Controller turns into an NLB.
 * Users depend on an NLB with pod (ip) targets, internal unless asked, admitting only the given
 * clients on every scheme, health-checking the gateway's health path over HTTP (not just TCP),
 * spreading across zones, draining faster than the gateway's preStop, and TLS with a certificate.
 */
import * as assert from "assert";
import { NLB_LOAD_BALANCER_CLASS } from "../../components/platform/loadBalancerController";
import { DEREGISTRATION_DELAY_SECONDS, Endpoint, EndpointArgs } from "../../components/serving/endpoint";
import { one, record } from "../helpers/record";

const ARGS: EndpointArgs = {
    namespace: "serving",
    selector: { app: "gateway" },
    targetPort: "http",
    healthCheckPath: "/healthz",
    scheme: "internal",
    allowedCidrs: ["10.0.0.0/16"],
};
const A = "service.beta.kubernetes.io/aws-load-balancer-";

async function endpointService(args: Partial<EndpointArgs>) {
    const resources = await record(() => new Endpoint("router-endpoint", { ...ARGS, ...args }));
    return one(resources, "kubernetes:core/v1:Service", "router-endpoint").inputs as {
        metadata: { annotations: Record<string, string>; namespace: string };
        spec: {
            type: string;
            loadBalancerClass: string;
            selector: Record<string, string>;
            ports: { name: string; port: number; targetPort: string }[];
            loadBalancerSourceRanges?: string[];
        };
    };
}

describe("components: Endpoint", () => {
    it("is a LoadBalancer Service claimed by the LB controller as an NLB with ip targets", async () => {
        const service = await endpointService({});
        assert.strictEqual(service.spec.type, "LoadBalancer");
        assert.strictEqual(service.spec.loadBalancerClass, NLB_LOAD_BALANCER_CLASS);
        assert.strictEqual(service.metadata.annotations[`${A}type`], "external");
        assert.strictEqual(service.metadata.annotations[`${A}nlb-target-type`], "ip");
        assert.deepStrictEqual(service.spec.selector, { app: "gateway" });
    });

    it("admits only the given CIDRs on either scheme (the controller would open 0.0.0.0/0)", async () => {
        const internal = await endpointService({});
        assert.strictEqual(internal.metadata.annotations[`${A}scheme`], "internal");
        assert.deepStrictEqual(internal.spec.loadBalancerSourceRanges, ["10.0.0.0/16"]);
        const open = await endpointService({ scheme: "internet-facing", allowedCidrs: ["203.0.113.0/24"] });
        assert.strictEqual(open.metadata.annotations[`${A}scheme`], "internet-facing");
        assert.deepStrictEqual(open.spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
    });

    it("health-checks the health path over HTTP on the traffic port, cross-zone, with a short deregistration delay", async () => {
        const a = (await endpointService({})).metadata.annotations;
        assert.strictEqual(a[`${A}healthcheck-protocol`], "http");
        assert.strictEqual(a[`${A}healthcheck-path`], "/healthz");
        assert.strictEqual(a[`${A}healthcheck-port`], "traffic-port");
        assert.strictEqual(a[`${A}attributes`], "load_balancing.cross_zone.enabled=true");
        assert.strictEqual(a[`${A}target-group-attributes`], `deregistration_delay.timeout_seconds=${DEREGISTRATION_DELAY_SECONDS}`);
    });

    it("serves HTTP on 80 without a certificate, TLS on 443 with one", async () => {
        const plain = await endpointService({});
        assert.deepStrictEqual(
            plain.spec.ports.map((p) => [p.port, p.targetPort]),
            [[80, "http"]],
        );
        assert.strictEqual(plain.metadata.annotations[`${A}ssl-cert`], undefined);
        const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
        const tls = await endpointService({ certificateArn: arn });
        assert.strictEqual(tls.spec.ports[0].port, 443);
        assert.strictEqual(tls.metadata.annotations[`${A}ssl-cert`], arn);
        assert.strictEqual(tls.metadata.annotations[`${A}ssl-ports`], "443");
    });
});
