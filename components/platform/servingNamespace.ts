import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { servingPodPolicy } from "./podSecurityPolicy";

/** Key of the Hugging Face token in its Secret (what huggingface_hub reads as HF_TOKEN). */
export const HF_TOKEN_KEY = "HF_TOKEN";

/** Options of the serving namespace and its Hugging Face token Secret. */
export interface ServingNamespaceArgs {
    /** Namespace of the serving graph, etcd and NATS. */
    readonly name: string;
    /** The Hugging Face token, a secret Output; no Secret is created without it. */
    readonly hfToken?: pulumi.Output<string>;
    /** The cluster's Kubernetes minor version, e.g. "1.35": the Pod Security policies' version. */
    readonly kubernetesVersion: string;
    /** The one host path the namespace's pods may mount (the node-local model cache). */
    readonly modelCacheHostPath: string;
}

/**
 * The load balancer controller's pod webhook injects a target-health readiness gate into the
 * namespace's pods that are NLB IP targets (the API gateway), so a rollout moves on only once a
 * new pod is healthy in the target group (chart 3.5.0 templates/webhook.yaml, mpod.elbv2.k8s.aws,
 * namespaceSelector `elbv2.k8s.aws/pod-readiness-gate-inject In [enabled]`).
 */
export const READINESS_GATE_INJECTION = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } as const;

/**
 * Pod Security admission labels of the namespace. It must admit its privileged-level pods (the
 * model cache's and the workers' host path, IPC_LOCK on EFA), so it enforces "privileged", and
 * ./podSecurityPolicy.ts refuses everything beyond those two exceptions; every other pod is
 * restricted, which tests/stacks/podSecurity.test.ts checks on the manifests, and the API
 * server's audit log (control-plane logging) annotates each pod that is not.
 * The policies are pinned to the cluster's version (never "latest").
 */
export function podSecurityLabels(kubernetesVersion: string): Record<string, string> {
    const version = `v${kubernetesVersion}`;
    return {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/enforce-version": version,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": version,
    };
}

/** The serving namespace and the Hugging Face token Secret. */
export class ServingNamespace extends pulumi.ComponentResource {
    public readonly name: string;
    public readonly namespace: k8s.core.v1.Namespace;
    /** Name of the Secret holding HF_TOKEN, when a token was given. */
    public readonly hfTokenSecretName?: string;

    constructor(name: string, args: ServingNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:ServingNamespace", name, {}, opts);
        this.name = args.name;
        this.namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        "app.kubernetes.io/part-of": "pd-serving",
                        ...podSecurityLabels(args.kubernetesVersion),
                        ...READINESS_GATE_INJECTION,
                    },
                },
            },
            { parent: this },
        );
        // Before any pod of the namespace: whatever depends on this component waits for it.
        servingPodPolicy(`${name}-pod-ceiling`, { namespace: args.name, modelCacheHostPath: args.modelCacheHostPath }, { parent: this });
        if (args.hfToken) {
            this.hfTokenSecretName = "hf-token";
            new k8s.core.v1.Secret(
                `${name}-hf-token`,
                {
                    metadata: { name: this.hfTokenSecretName, namespace: args.name },
                    type: "Opaque",
                    stringData: { [HF_TOKEN_KEY]: pulumi.secret(args.hfToken) },
                },
                { parent: this, dependsOn: [this.namespace] },
            );
        }
        this.registerOutputs({});
    }
}
