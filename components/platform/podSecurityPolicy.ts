/**
 * The ceiling on every pod of the serving namespace, enforced at admission: a
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) that
 * holds each pod to the Pod Security Standard "baseline" but for the two narrow exceptions the
 * serving pods need: IPC_LOCK as an added capability, and hostPath volumes at the model cache's
 * path only. Pod Security admission cannot express that (a namespace either enforces baseline,
 * which refuses both, or privileged, which admits anything), so the namespace enforces
 * "privileged" and this policy refuses the rest; which pod claims which exception is checked on
 * the plan (plan/offline/podSecurity.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BASELINE_ADDABLE_CAPABILITIES } from "../k8s/security";

/** Capabilities a container may add: baseline's, plus IPC_LOCK for EFA. */
export const ALLOWED_ADDED_CAPABILITIES = [...BASELINE_ADDABLE_CAPABILITIES, "IPC_LOCK"] as const;

/** One CEL rule of the policy and the message a refused pod gets. */
export interface PodRule {
    readonly expression: string;
    readonly message: string;
}

/**
 * `predicate` (on `c`) holds for every container, init and ephemeral ones included: one `all`
 * per list rather than one over their concatenation, since Container and EphemeralContainer are
 * distinct types to the API server's CEL type checker.
 */
function everyContainer(predicate: string): string {
    return [
        `object.spec.containers.all(c, ${predicate})`,
        ...["initContainers", "ephemeralContainers"].map((l) => `(!has(object.spec.${l}) || object.spec.${l}.all(c, ${predicate}))`),
    ].join(" && ");
}

const securityContextOf = (c: string, field: string) => `has(${c}.securityContext) && has(${c}.securityContext.${field})`;

/** The policy's rules for a namespace whose only host path is `hostPath`. */
export function podRules(hostPath: string): PodRule[] {
    const caps = ALLOWED_ADDED_CAPABILITIES.map((c) => `'${c}'`).join(", ");
    return [
        {
            expression: everyContainer(`!(${securityContextOf("c", "privileged")} && c.securityContext.privileged)`),
            message: "privileged containers are not allowed in this namespace",
        },
        {
            expression: ["hostNetwork", "hostPID", "hostIPC"].map((f) => `!(has(object.spec.${f}) && object.spec.${f})`).join(" && "),
            message: "pods may not use the host's network, PID or IPC namespace",
        },
        {
            expression: everyContainer("!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)"),
            message: "containers may not bind host ports",
        },
        {
            expression: everyContainer(
                `!(${securityContextOf("c", "capabilities")} && has(c.securityContext.capabilities.add))` +
                    ` || c.securityContext.capabilities.add.all(a, a in [${caps}])`,
            ),
            message: "containers may add only the baseline capabilities and IPC_LOCK",
        },
        {
            expression: `!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath) || v.hostPath.path == '${hostPath}')`,
            message: `hostPath volumes are allowed only at the model cache's ${hostPath}`,
        },
        {
            expression:
                "!(has(object.spec.securityContext) && has(object.spec.securityContext.seccompProfile)" +
                " && object.spec.securityContext.seccompProfile.type == 'Unconfined')" +
                ` && ${everyContainer(`!(${securityContextOf("c", "seccompProfile")} && c.securityContext.seccompProfile.type == 'Unconfined')`)}`,
            message: "the Unconfined seccomp profile is not allowed",
        },
        {
            expression: everyContainer(`!(${securityContextOf("c", "procMount")} && c.securityContext.procMount != 'Default')`),
            message: "only the default /proc mount is allowed",
        },
    ];
}

/** Options of the serving namespace's pod policy. */
export interface ServingPodPolicyArgs {
    /** The namespace it applies to. */
    readonly namespace: string;
    /** The one host path pods may mount: the node-local model cache. */
    readonly modelCacheHostPath: string;
}

/** The ValidatingAdmissionPolicy and its binding (Deny) for the serving namespace. */
export function servingPodPolicy(name: string, args: ServingPodPolicyArgs, opts: pulumi.CustomResourceOptions): void {
    const policyName = `${args.namespace}-pod-ceiling`;
    const namespaceSelector = { matchLabels: { "kubernetes.io/metadata.name": args.namespace } };
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        name,
        {
            metadata: { name: policyName },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    namespaceSelector,
                    resourceRules: [
                        {
                            apiGroups: [""],
                            apiVersions: ["v1"],
                            operations: ["CREATE", "UPDATE"],
                            // Ephemeral containers arrive through their own subresource.
                            resources: ["pods", "pods/ephemeralcontainers"],
                        },
                    ],
                },
                validations: podRules(args.modelCacheHostPath).map((r) => ({ expression: r.expression, message: r.message })),
            },
        },
        opts,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        name,
        {
            metadata: { name: policyName },
            spec: { policyName, validationActions: ["Deny"], matchResources: { namespaceSelector } },
        },
        { ...opts, dependsOn: [policy] },
    );
}
