/**
 * The Pod Security Standards level of a pod, computed from its spec the way the Pod Security
 * admission controller does (kubernetes.io/docs/concepts/security/pod-security-standards, the
 * check ids of k8s.io/pod-security-admission/policy), and which of its violations the pod's
 * named exceptions (components/k8s/security.ts) cover.
 */
import {
    BASELINE_ADDABLE_CAPABILITIES,
    POD_SECURITY_EXCEPTIONS,
    POD_SECURITY_EXCEPTIONS_ANNOTATION,
    PodSecurityException,
} from "../../components/k8s/security";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** One failed check: its id, what failed, and the exception that may cover it. */
export interface PodSecurityViolation {
    check: string;
    level: "baseline" | "restricted";
    detail: string;
    /** The named exception that covers this violation, if the pod claims it. */
    exception?: PodSecurityException;
}

/** The verdict on one pod. */
export interface PodSecurityVerdict {
    /** The level the pod meets as the standard defines it. */
    level: PodSecurityLevel;
    /**
     * The level it meets once the violations its named baseline exceptions cover are waived:
     * "baseline" for a worker that is baseline but for the host path and IPC_LOCK.
     */
    levelWithExceptions: PodSecurityLevel;
    /** Exceptions the pod's annotation names. */
    exceptions: string[];
    violations: PodSecurityViolation[];
    /** Violations no named exception covers (must be none). */
    uncovered: PodSecurityViolation[];
    /** Named exceptions that cover nothing (stale; must be none). */
    unused: string[];
}

type Obj = Record<string, unknown>;
interface SecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    procMount?: string;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
    appArmorProfile?: { type?: string };
    seLinuxOptions?: { type?: string; user?: string; role?: string };
    windowsOptions?: { hostProcess?: boolean };
    sysctls?: { name: string }[];
}
interface Container {
    name: string;
    securityContext?: SecurityContext;
    ports?: { hostPort?: number }[];
}

/** Capabilities "baseline" lets a container add. */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set(BASELINE_ADDABLE_CAPABILITIES);
/** Volume types "restricted" allows. */
const RESTRICTED_VOLUME_TYPES = new Set([
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
]);
/** Sysctls "baseline" allows (the standard's safe set, 1.35). */
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

/** The verdict on a pod spec with its template's annotations. */
export function podSecurityOf(spec: Obj, annotations: Record<string, string> = {}): PodSecurityVerdict {
    const pod = (spec.securityContext ?? {}) as SecurityContext;
    const containers = (["initContainers", "containers", "ephemeralContainers"] as const).flatMap(
        (field) => (spec[field] as Container[] | undefined) ?? [],
    );
    const violations: PodSecurityViolation[] = [];
    const fail = (level: "baseline" | "restricted", check: string, detail: string, exception?: PodSecurityException) =>
        violations.push({ check, level, detail, ...(exception ? { exception } : {}) });

    // Baseline.
    for (const ns of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (spec[ns] === true) fail("baseline", "hostNamespaces", `${ns}: true`);
    }
    const volumes = (spec.volumes as Obj[] | undefined) ?? [];
    for (const volume of volumes) {
        const type = Object.keys(volume).find((k) => k !== "name") ?? "";
        if (type === "hostPath") fail("baseline", "hostPathVolumes", `volume ${String(volume.name)}`, "hostPathVolumes");
        if (!RESTRICTED_VOLUME_TYPES.has(type)) {
            fail(
                "restricted",
                "restrictedVolumes",
                `volume ${String(volume.name)} is ${type}`,
                type === "hostPath" ? "hostPathVolumes" : undefined,
            );
        }
    }
    for (const sysctl of pod.sysctls ?? []) {
        if (!SAFE_SYSCTLS.has(sysctl.name)) fail("baseline", "sysctls", sysctl.name);
    }
    const contexts: [string, SecurityContext][] = [
        ["pod", pod],
        ...containers.map((c): [string, SecurityContext] => [c.name, c.securityContext ?? {}]),
    ];
    for (const [where, sc] of contexts) {
        if (sc.windowsOptions?.hostProcess === true) fail("baseline", "windowsHostProcess", where);
        if (sc.seccompProfile?.type === "Unconfined") fail("baseline", "seccompProfile_baseline", where);
        const apparmor = sc.appArmorProfile?.type;
        if (apparmor !== undefined && apparmor !== "RuntimeDefault" && apparmor !== "Localhost") fail("baseline", "appArmorProfile", where);
        const se = sc.seLinuxOptions;
        if (se && (!SELINUX_TYPES.has(se.type ?? "") || se.user !== undefined || se.role !== undefined))
            fail("baseline", "seLinuxOptions", where);
        if (sc.runAsUser === 0) fail("restricted", "runAsUser", where);
    }
    for (const [key, value] of Object.entries(annotations)) {
        if (
            key.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
            value !== "runtime/default" &&
            !value.startsWith("localhost/")
        ) {
            fail("baseline", "appArmorProfile", key);
        }
    }
    // Per container, baseline then restricted.
    const podNonRoot = pod.runAsNonRoot === true;
    const podSeccomp = pod.seccompProfile?.type === "RuntimeDefault" || pod.seccompProfile?.type === "Localhost";
    for (const c of containers) {
        const sc = c.securityContext ?? {};
        if (sc.privileged === true) fail("baseline", "privileged", c.name);
        if (sc.procMount !== undefined && sc.procMount !== "Default") fail("baseline", "procMount", c.name);
        for (const port of c.ports ?? []) {
            if ((port.hostPort ?? 0) !== 0) fail("baseline", "hostPorts", `${c.name} hostPort ${port.hostPort}`);
        }
        const added = sc.capabilities?.add ?? [];
        for (const cap of added.filter((a) => !BASELINE_CAPABILITIES.has(a))) {
            fail("baseline", "capabilities_baseline", `${c.name} adds ${cap}`, "capabilities_baseline");
        }
        if (sc.allowPrivilegeEscalation !== false) fail("restricted", "allowPrivilegeEscalation", c.name);
        if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) {
            fail("restricted", "runAsNonRoot", c.name, "runAsNonRoot");
        }
        const seccomp = sc.seccompProfile?.type;
        if (!(seccomp === "RuntimeDefault" || seccomp === "Localhost" || (seccomp === undefined && podSeccomp))) {
            fail("restricted", "seccompProfile_restricted", c.name);
        }
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail("restricted", "capabilities_restricted", `${c.name} does not drop ALL`);
        for (const cap of added.filter((a) => a !== "NET_BIND_SERVICE")) {
            fail(
                "restricted",
                "capabilities_restricted",
                `${c.name} adds ${cap}`,
                BASELINE_CAPABILITIES.has(cap) ? undefined : "capabilities_baseline",
            );
        }
    }

    const exceptions = (annotations[POD_SECURITY_EXCEPTIONS_ANNOTATION] ?? "").split(",").filter((e) => e !== "");
    const claimed = new Set(exceptions.filter((e): e is PodSecurityException => e in POD_SECURITY_EXCEPTIONS));
    const uncovered = violations.filter((v) => v.exception === undefined || !claimed.has(v.exception));
    const unused = exceptions.filter((e) => !violations.some((v) => v.exception === e));
    const waived = violations.filter(
        (v) => !(v.exception && claimed.has(v.exception) && POD_SECURITY_EXCEPTIONS[v.exception].level === "baseline"),
    );
    return { level: levelOf(violations), levelWithExceptions: levelOf(waived), exceptions, violations, uncovered, unused };
}

function levelOf(violations: PodSecurityViolation[]): PodSecurityLevel {
    if (violations.some((v) => v.level === "baseline")) {
        return "privileged";
    }
    return violations.length > 0 ? "baseline" : "restricted";
}
