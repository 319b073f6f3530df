/**
 * Pod Security Standards as builders (kubernetes.io/docs/concepts/security/pod-security-standards):
 * "restricted" for every pod that needs no host access: non-root, no privilege escalation, all
 * capabilities dropped, the runtime's default seccomp profile, no service-account token unless
 * the pod calls the API.
 */
import * as k8s from "@pulumi/kubernetes";

/** Pod-level security context of the restricted level, for a non-root user and group. */
export function restrictedPodSecurity(uid: number): k8s.types.input.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level security context of the restricted level, with a read-only root filesystem. */
export function restrictedContainerSecurity(): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
    };
}
