import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NLB_LOAD_BALANCER_CLASS } from "../platform/loadBalancerController";

export type EndpointScheme = "internal" | "internet-facing";

/** Seconds the NLB keeps sending in-flight connections to a deregistering target; the gateway's preStop outlasts it. */
export const DEREGISTRATION_DELAY_SECONDS = 20;
/** Plain HTTP port of the NLB listener. */
const HTTP_PORT = 80;
/** TLS port of the NLB listener (with a certificate). */
const HTTPS_PORT = 443;

/** Options of the load-balanced endpoint Service (an NLB through the LB controller). */
export interface EndpointArgs {
    /** Namespace of the Service. */
    readonly namespace: string;
    /** Labels of the pods behind the NLB (the API gateway). */
    readonly selector: Record<string, string>;
    /** Named container port of the OpenAI API. */
    readonly targetPort: string;
    /** HTTP path the NLB health-checks on the target port (answers 200 without a key). */
    readonly healthCheckPath: string;
    /** Internal (VPC only) or internet-facing NLB. */
    readonly scheme: EndpointScheme;
    /** Client CIDRs the NLB's security group admits (the LB controller opens 0.0.0.0/0 without them). */
    readonly allowedCidrs: pulumi.Input<string>[];
    /** ACM certificate ARN: the NLB terminates TLS on 443 with it. @default none: plain HTTP on 80 */
    readonly certificateArn?: string;
}

/**
 * The OpenAI-compatible endpoint: a Service of type LoadBalancer reconciled by the AWS Load
 * Balancer Controller into a Network Load Balancer with IP targets (pods, not nodes). Annotations
 * from the controller's v3.5 Service annotation reference: HTTP health checks on the gateway's
 * health path, cross-zone load balancing (targets in one zone still serve clients of every zone),
 * a short deregistration delay that the gateway's preStop outlasts, and TLS with a certificate.
 */
export class Endpoint extends pulumi.ComponentResource {
    /** The LoadBalancer Service. */
    public readonly service: k8s.core.v1.Service;
    /** NLB hostname, known after `pulumi up`. */
    public readonly hostname: pulumi.Output<string>;
    /** Listener port: 443 with TLS, else 80. */
    public readonly port: number;
    /** `https` with a certificate, else `http`. */
    public readonly scheme: "http" | "https";

    constructor(name: string, args: EndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:Endpoint", name, {}, opts);
        const tls = args.certificateArn !== undefined && args.certificateArn !== "";
        this.port = tls ? HTTPS_PORT : HTTP_PORT;
        this.scheme = tls ? "https" : "http";
        const annotations: Record<string, string> = {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": args.scheme,
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": args.healthCheckPath,
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "traffic-port",
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": "10",
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold": "2",
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": "2",
            "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
            "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": `deregistration_delay.timeout_seconds=${DEREGISTRATION_DELAY_SECONDS}`,
            ...(tls
                ? {
                      "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": args.certificateArn as string,
                      "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": String(HTTPS_PORT),
                  }
                : {}),
        };
        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: args.namespace, annotations },
                spec: {
                    type: "LoadBalancer",
                    loadBalancerClass: NLB_LOAD_BALANCER_CLASS,
                    selector: args.selector,
                    ports: [{ name: tls ? "https" : "http", port: this.port, targetPort: args.targetPort, protocol: "TCP" }],
                    loadBalancerSourceRanges: args.allowedCidrs,
                },
            },
            { parent: this },
        );
        this.hostname = this.service.status.apply(
            (s) => s?.loadBalancer?.ingress?.[0]?.hostname ?? s?.loadBalancer?.ingress?.[0]?.ip ?? "",
        );
        this.registerOutputs({ hostname: this.hostname });
    }
}
