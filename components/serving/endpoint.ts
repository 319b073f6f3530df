import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NLB_LOAD_BALANCER_CLASS } from "../platform/loadBalancerController";

export type EndpointScheme = "internal" | "internet-facing";

/** Options of the load-balanced endpoint Service (an NLB through the LB controller). */
export interface EndpointArgs {
    /** Namespace of the Service. */
    readonly namespace: string;
    /** Labels of the frontend/router pods. */
    readonly selector: Record<string, string>;
    /** Named container port of the OpenAI API. */
    readonly targetPort: string;
    /** Internal (VPC only) or internet-facing NLB. */
    readonly scheme: EndpointScheme;
    /** Client CIDRs of an internet-facing NLB (its security group admits only these). */
    readonly allowedCidrs: string[];
    /** @default 80 */
    readonly port?: number;
}

/**
 * The OpenAI-compatible endpoint: a Service of type LoadBalancer reconciled by the AWS Load
 * Balancer Controller into a Network Load Balancer with IP targets (pods, not nodes), internal
 * unless asked otherwise.
 */
export class Endpoint extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    /** NLB hostname, known after `pulumi up`. */
    public readonly hostname: pulumi.Output<string>;
    public readonly port: number;

    constructor(name: string, args: EndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:Endpoint", name, {}, opts);
        this.port = args.port ?? 80;
        const annotations: Record<string, string> = {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": args.scheme,
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "tcp",
        };
        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: args.namespace, annotations },
                spec: {
                    type: "LoadBalancer",
                    loadBalancerClass: NLB_LOAD_BALANCER_CLASS,
                    selector: args.selector,
                    ports: [{ name: "http", port: this.port, targetPort: args.targetPort, protocol: "TCP" }],
                    loadBalancerSourceRanges: args.scheme === "internet-facing" ? args.allowedCidrs : undefined,
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
