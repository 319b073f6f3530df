/**
 * NetworkPolicies of the serving namespace: default deny for every pod, DNS for all, then exactly
 * what each path needs. Clients reach only the API gateway; the gateway reaches only the router or
 * frontend; the router/frontend and the workers reach each other (NIXL's side channel and UCX, the
 * Dynamo request, response and event planes use ports the processes pick); Prometheus in the
 * monitoring namespace scrapes; the model cache, the router's discovery, Dynamo's discovery and
 * the proof Jobs reach HTTPS (the Kubernetes API, the Hugging Face hub, S3, PyPI). KV transfers
 * over EFA bypass the IP stack and are not subject to NetworkPolicies.
 */
import * as pulumi from "@pulumi/pulumi";
import { defaultDeny, Peer, workloadPolicy } from "../k8s/networkPolicy";
import { graphLabels } from "./graph";

/** Namespace of Prometheus (components/platform/monitoring). */
const MONITORING_NAMESPACE = "monitoring";
/** HTTPS to anywhere: the Kubernetes API endpoint, the Hugging Face hub and its CDN, S3, PyPI. */
const HTTPS: Peer = { cidr: "0.0.0.0/0" };
const HTTPS_PORT = 443;

/** What the policies need to know of the graph and the platform. */
export interface ServingNetworkPoliciesArgs {
    /** The serving namespace. */
    readonly namespace: string;
    /** vllm-router or dynamo. */
    readonly graph: "vllm-router" | "dynamo";
    /** Component label of the router or frontend pods (`router` or `frontend`). */
    readonly frontendComponent: string;
    /** Labels of the API gateway pods. */
    readonly gatewayPods: Record<string, string>;
    /** Container port the gateway listens on. */
    readonly gatewayPort: number;
    /** Container port of the router's or frontend's OpenAI API. */
    readonly frontendPort: number;
    /** Labels of the model cache's pods. */
    readonly modelCachePods: Record<string, string>;
    /** Labels of the proof Jobs' pods. */
    readonly proofPods: Record<string, string>;
    /** Labels and peer ports of etcd and NATS servers, when deployed: they talk to their peers. */
    readonly infraPeers: readonly { readonly name: string; readonly pods: Record<string, string>; readonly ports: readonly number[] }[];
}

/** The serving namespace's NetworkPolicies (pulumi-eks style: one component, its policies as children). */
export class ServingNetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: ServingNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:NetworkPolicies", name, {}, opts);
        const ns = args.namespace;
        const frontend = graphLabels(args.graph, args.frontendComponent);
        const workers = { "app.kubernetes.io/part-of": "pd-serving", "pd-serving/graph": args.graph };
        const roles = ["prefill", "decode"].map((role) => graphLabels(args.graph, role));
        const monitoring: Peer = { namespace: MONITORING_NAMESPACE };
        defaultDeny(ns, this);
        workloadPolicy(
            ns,
            {
                name: "api-gateway",
                pods: args.gatewayPods,
                // The NLB's security group admits the clients (endpointAllowedCidrs / the VPC's CIDR).
                ingress: [{ peers: [], ports: [args.gatewayPort] }],
                egress: [{ peers: [{ pods: frontend }], ports: [args.frontendPort] }],
            },
            this,
        );
        workloadPolicy(
            ns,
            {
                name: args.frontendComponent,
                pods: frontend,
                ingress: [
                    { peers: [{ pods: args.gatewayPods }], ports: [args.frontendPort] },
                    // Dynamo workers stream responses back to the frontend over the TCP planes.
                    ...roles.map((pods) => ({ peers: [{ pods }] })),
                    { peers: [monitoring] },
                ],
                egress: [...roles.map((pods) => ({ peers: [{ pods }] })), { peers: [HTTPS], ports: [HTTPS_PORT] }, ...infraEgress(args)],
            },
            this,
        );
        for (const pods of roles) {
            workloadPolicy(
                ns,
                {
                    name: `${pods["app.kubernetes.io/component"]}-workers`,
                    pods,
                    ingress: [
                        { peers: [{ pods: frontend }] },
                        ...roles.map((other) => ({ peers: [{ pods: other }] })),
                        { peers: [{ pods: args.proofPods }] },
                        { peers: [monitoring] },
                    ],
                    egress: [
                        { peers: [{ pods: frontend }] },
                        ...roles.map((other) => ({ peers: [{ pods: other }] })),
                        { peers: [HTTPS], ports: [HTTPS_PORT] },
                        ...infraEgress(args),
                    ],
                },
                this,
            );
        }
        workloadPolicy(
            ns,
            { name: "model-cache", pods: args.modelCachePods, ingress: [], egress: [{ peers: [HTTPS], ports: [HTTPS_PORT] }] },
            this,
        );
        workloadPolicy(
            ns,
            {
                name: "proof-jobs",
                pods: args.proofPods,
                ingress: [],
                egress: [
                    { peers: [{ pods: args.gatewayPods }], ports: [args.gatewayPort] },
                    { peers: [{ pods: workers }] },
                    { peers: [HTTPS], ports: [HTTPS_PORT] },
                ],
            },
            this,
        );
        // etcd and NATS keep their own ingress policies; their servers also dial their peers.
        for (const peer of args.infraPeers) {
            workloadPolicy(
                ns,
                { name: `${peer.name}-peers-egress`, pods: peer.pods, egress: [{ peers: [{ pods: peer.pods }], ports: peer.ports }] },
                this,
            );
        }
        this.registerOutputs({});
    }
}

/** Egress to etcd and NATS (Dynamo's discovery and event plane), on their client ports. */
function infraEgress(args: ServingNetworkPoliciesArgs): { peers: Peer[]; ports: number[] }[] {
    return args.infraPeers.map((peer) => ({ peers: [{ pods: peer.pods }], ports: [peer.ports[0]] }));
}
