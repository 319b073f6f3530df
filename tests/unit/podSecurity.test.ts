/**
 * The Pod Security evaluator at its boundaries: a restricted pod, then each check of the standard
 * broken one at a time, and how named exceptions cover (or fail to cover) violations.
 */
import * as assert from "assert";
import { POD_SECURITY_EXCEPTIONS_ANNOTATION } from "../../components/k8s/security";
import { podSecurityOf } from "../../plan/offline/podSecurity";

type Spec = Record<string, unknown>;

function restrictedPod(): Spec {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
        volumes: [{ name: "tmp", emptyDir: {} }],
    };
}

function container(spec: Spec): Record<string, unknown> {
    return (spec.containers as Record<string, unknown>[])[0];
}

function securityContext(spec: Spec): Record<string, unknown> {
    return container(spec).securityContext as Record<string, unknown>;
}

const checksOf = (spec: Spec, annotations: Record<string, string> = {}) =>
    podSecurityOf(spec, annotations)
        .violations.map((v) => v.check)
        .sort();

describe("unit: Pod Security evaluator", () => {
    it("a pod that meets every restricted check is restricted", () => {
        const v = podSecurityOf(restrictedPod());
        assert.strictEqual(v.level, "restricted");
        assert.deepStrictEqual(v.violations, []);
    });

    const baselineBreaks: [string, (s: Spec) => void][] = [
        ["privileged", (s) => (securityContext(s).privileged = true)],
        ["hostNamespaces", (s) => (s.hostNetwork = true)],
        ["hostNamespaces", (s) => (s.hostIPC = true)],
        ["hostPorts", (s) => (container(s).ports = [{ containerPort: 80, hostPort: 8080 }])],
        ["seccompProfile_baseline", (s) => (securityContext(s).seccompProfile = { type: "Unconfined" })],
        ["sysctls", (s) => ((s.securityContext as Spec).sysctls = [{ name: "kernel.msgmax", value: "1" }])],
        ["procMount", (s) => (securityContext(s).procMount = "Unmasked")],
        ["appArmorProfile", (s) => (securityContext(s).appArmorProfile = { type: "Unconfined" })],
        ["seLinuxOptions", (s) => (securityContext(s).seLinuxOptions = { type: "spc_t" })],
    ];
    for (const [check, breakIt] of baselineBreaks) {
        it(`${check} breaks baseline: the pod is privileged`, () => {
            const spec = restrictedPod();
            breakIt(spec);
            const v = podSecurityOf(spec);
            assert.strictEqual(v.level, "privileged");
            assert.ok(checksOf(spec).includes(check), checksOf(spec).join(","));
        });
    }

    const restrictedBreaks: [string, (s: Spec) => void][] = [
        ["allowPrivilegeEscalation", (s) => delete securityContext(s).allowPrivilegeEscalation],
        ["runAsNonRoot", (s) => delete (s.securityContext as Spec).runAsNonRoot],
        ["runAsNonRoot", (s) => (securityContext(s).runAsNonRoot = false)],
        ["runAsUser", (s) => (securityContext(s).runAsUser = 0)],
        ["seccompProfile_restricted", (s) => delete (s.securityContext as Spec).seccompProfile],
        ["capabilities_restricted", (s) => (securityContext(s).capabilities = { drop: ["NET_RAW"] })],
        ["capabilities_restricted", (s) => (securityContext(s).capabilities = { drop: ["ALL"], add: ["CHOWN"] })],
        ["restrictedVolumes", (s) => (s.volumes = [{ name: "share", nfs: { server: "x", path: "/" } }])],
    ];
    for (const [check, breakIt] of restrictedBreaks) {
        it(`${check} breaks restricted only: the pod is baseline`, () => {
            const spec = restrictedPod();
            breakIt(spec);
            assert.strictEqual(podSecurityOf(spec).level, "baseline");
            assert.deepStrictEqual(checksOf(spec), [check]);
        });
    }

    it("NET_BIND_SERVICE is the one capability restricted lets a container add", () => {
        const spec = restrictedPod();
        securityContext(spec).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE"] };
        assert.strictEqual(podSecurityOf(spec).level, "restricted");
    });

    it("init containers are checked like the others", () => {
        const spec = restrictedPod();
        spec.initContainers = [{ name: "init" }];
        assert.deepStrictEqual(checksOf(spec), ["allowPrivilegeEscalation", "capabilities_restricted"]);
    });

    it("a container-level seccomp profile and non-root flag stand in for the pod's", () => {
        const spec = restrictedPod();
        spec.securityContext = {};
        Object.assign(securityContext(spec), { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        assert.strictEqual(podSecurityOf(spec).level, "restricted");
    });

    describe("named exceptions", () => {
        function efaWorker(): Spec {
            const spec = restrictedPod();
            delete (spec.securityContext as Spec).runAsNonRoot;
            securityContext(spec).capabilities = { drop: ["ALL"], add: ["IPC_LOCK"] };
            spec.volumes = [{ name: "cache", hostPath: { path: "/mnt/cache" } }];
            return spec;
        }
        const all = { [POD_SECURITY_EXCEPTIONS_ANNOTATION]: "capabilities_baseline,hostPathVolumes,runAsNonRoot" };

        it("cover the host path, IPC_LOCK and the image's user: privileged, baseline with them", () => {
            const v = podSecurityOf(efaWorker(), all);
            assert.strictEqual(v.level, "privileged");
            assert.strictEqual(v.levelWithExceptions, "baseline");
            assert.deepStrictEqual(v.uncovered, []);
            assert.deepStrictEqual(v.unused, []);
        });

        it("a violation whose exception is not claimed stays uncovered", () => {
            const v = podSecurityOf(efaWorker(), { [POD_SECURITY_EXCEPTIONS_ANNOTATION]: "hostPathVolumes,runAsNonRoot" });
            assert.deepStrictEqual(v.uncovered.map((u) => u.check).sort(), ["capabilities_baseline", "capabilities_restricted"]);
            assert.strictEqual(v.levelWithExceptions, "privileged");
        });

        it("an exception covers only its own kind: a privileged container or an NFS volume is never covered", () => {
            const spec = efaWorker();
            securityContext(spec).privileged = true;
            (spec.volumes as Spec[]).push({ name: "share", nfs: { server: "x", path: "/" } });
            const uncovered = podSecurityOf(spec, all).uncovered.map((u) => `${u.check}: ${u.detail}`);
            assert.deepStrictEqual(uncovered, ["restrictedVolumes: volume share is nfs", "privileged: app"]);
        });

        it("an exception nothing needs is reported stale, an unknown one too", () => {
            const v = podSecurityOf(restrictedPod(), { [POD_SECURITY_EXCEPTIONS_ANNOTATION]: "hostPathVolumes,noSuchCheck" });
            assert.deepStrictEqual(v.unused, ["hostPathVolumes", "noSuchCheck"]);
        });
    });
});
