/**
 * Pod Security Standards as builders (kubernetes.io/docs/concepts/security/pod-security-standards):
 * "restricted" for every pod that needs no host access: non-root, no privilege escalation, all
 * capabilities dropped, the runtime's default seccomp profile, no service-account token unless
 * the pod calls the API. Pods that cannot meet it name each check they are excepted from, with
 * the reason, in one annotation (plan/offline/podSecurity.ts checks every pod against it).
 */
import * as k8s from "@pulumi/kubernetes";

/** Pod-level security context of the restricted level, for a non-root user and group. */
export function restrictedPodSecurity(uid: number, gid: number = uid): k8s.types.input.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Options of a restricted container's security context. */
export interface RestrictedContainerOptions {
    /** Run as this user and group (a container of a pod that keeps its image's user). @default the pod's */
    readonly uid?: number;
    /** The image writes into its own filesystem (caches under its home). @default false: read-only */
    readonly writableRootFilesystem?: boolean;
}

/** Container-level security context of the restricted level, with a read-only root filesystem unless asked. */
export function restrictedContainerSecurity(options: RestrictedContainerOptions = {}): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: !(options.writableRootFilesystem ?? false),
        runAsNonRoot: true,
        ...(options.uid !== undefined ? { runAsUser: options.uid, runAsGroup: options.uid } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * A non-root uid for containers that need no account of their own in the image (the uid of
 * distroless's "nonroot" user, GoogleContainerTools/distroless base): runAsNonRoot needs a
 * numeric user when the image's own is root.
 */
export const NONROOT_UID = 65532;

/**
 * The capabilities "baseline" lets a container add (pod-security-standards, "Capabilities");
 * "restricted" allows NET_BIND_SERVICE only.
 */
export const BASELINE_ADDABLE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;

/**
 * Pod-level security context of a pod that keeps its image's user (see the runAsNonRoot
 * exception): only the runtime's default seccomp profile.
 */
export function imageUserPodSecurity(): k8s.types.input.core.v1.PodSecurityContext {
    return { seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * Container-level security context of a container that keeps its image's user: no privilege
 * escalation, every capability dropped but the ones named (each one a named exception).
 */
export function imageUserContainerSecurity(addCapabilities: readonly string[] = []): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: addCapabilities.length > 0 ? { drop: ["ALL"], add: [...addCapabilities] } : { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * The Pod Security checks a pod of this program may be excepted from (the check ids of
 * k8s.io/pod-security-admission/policy), each with the level it belongs to and why it is
 * needed. Nothing else is allowed:
 * no privileged container, host namespace, host port or unconfined profile anywhere.
 */
export const POD_SECURITY_EXCEPTIONS = {
    /**
     * Baseline "HostPath Volumes": the node-local model cache lives on the instance-store NVMe of
     * the GPU node; the cache pod writes it and the workers mount it read-only.
     */
    hostPathVolumes: {
        level: "baseline",
        reason: "the node-local model cache on the GPU node's NVMe (written by the cache pod, read-only in workers)",
    },
    /**
     * Baseline "Capabilities": IPC_LOCK on EFA workers, so libfabric can pin the KV-cache buffers
     * it registers with the EFA device (see components/serving/worker.ts).
     */
    capabilities_baseline: {
        level: "baseline",
        reason: "IPC_LOCK on EFA workers: libfabric pins the buffers it registers with the EFA device",
    },
    /**
     * Restricted "Running as Non-root": the container keeps its image's user, root in the vLLM
     * images (vllm/vllm-openai, the AWS DLCs), which write their caches under root's home and, on
     * EFA, need root for IPC_LOCK to take effect (Kubernetes grants added capabilities to root
     * only; a non-root process gets no ambient capabilities, kubernetes/kubernetes#56374).
     */
    runAsNonRoot: {
        level: "restricted",
        reason: "keeps the image's user (root in the vLLM images): vLLM's caches under root's home, IPC_LOCK on EFA, the proof Jobs' pip installs",
    },
} as const satisfies Record<string, { level: "baseline" | "restricted"; reason: string }>;

/** A check a pod may be excepted from. */
export type PodSecurityException = keyof typeof POD_SECURITY_EXCEPTIONS;

/** Annotation of a pod template listing the checks it is excepted from, comma-separated. */
export const POD_SECURITY_EXCEPTIONS_ANNOTATION = "pd-serving/pod-security-exceptions";

/** The annotation naming a pod's exceptions (none: no annotation, the pod must meet "restricted"). */
export function podSecurityExceptions(...exceptions: PodSecurityException[]): Record<string, string> {
    const names = [...new Set(exceptions)].sort();
    return names.length > 0 ? { [POD_SECURITY_EXCEPTIONS_ANNOTATION]: names.join(",") } : {};
}
