/**
 * components/platform/monitoring: kube-prometheus-stack and the DCGM exporter as Helm releases with
 * the values users depend on (system nodes, gp3 volumes, a retention that fits them, every monitor
 * and rule picked up, Grafana's generated password only in a Secret), the exporter on the tainted
 * GPU nodes, its requests in the pre-flight capacity check, the optional AMP remote write, the
 * outputs, and `monitoring=false` removing all of it.
 */
import * as assert from "assert";
import { isConfigError } from "../../stacks/errors";
import { GPU_INSTANCE_TYPES } from "../../stacks/catalog/instances";
import { allocatableCpuMillis, allocatableMemoryMiB } from "../../stacks/sizing/capacity";
import { parseMemoryMiB } from "../../stacks/quantity";
import { asK8s, asObject, nodeTaint, tolerates } from "../helpers/k8sSchema";
import { planStack, PlannedResource, resolveStack, StackPlan } from "../helpers/plan";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const POOL = "pd-serving/node-pool";

interface KpsValues {
    fullnameOverride: string;
    prometheus: {
        serviceAccount: { name: string; annotations: Record<string, string> };
        prometheusSpec: {
            nodeSelector: Record<string, string>;
            serviceMonitorSelectorNilUsesHelmValues: boolean;
            podMonitorSelectorNilUsesHelmValues: boolean;
            ruleSelectorNilUsesHelmValues: boolean;
            retention: string;
            retentionSize: string;
            storageSpec: { volumeClaimTemplate: { spec: { storageClassName: string; resources: { requests: { storage: string } } } } };
            remoteWrite: { url: string; sigv4: { region: string } }[];
        };
    };
    grafana: {
        nodeSelector: Record<string, string>;
        adminPassword?: string;
        admin: { existingSecret: string; userKey: string; passwordKey: string };
        persistence: { enabled: boolean; storageClassName: string };
        sidecar: { dashboards: { enabled: boolean; label: string; labelValue: string } };
    };
    "prometheus-node-exporter": { tolerations?: unknown; resources: { requests: { cpu: string; memory: string } } };
}
interface DcgmValues {
    image: { repository: string; tag: string };
    tolerations: { key?: string; operator?: string; value?: string; effect?: string }[];
    nodeSelector: Record<string, string>;
    resources: { requests: { cpu: string; memory: string } };
    serviceMonitor: { enabled: boolean; honorLabels: boolean };
}

function release(p: StackPlan, chart: string): PlannedResource | undefined {
    return p.resources(RELEASE).find((r) => r.inputs.chart === chart);
}

/** Prometheus's retentionSize ("42GiB", "8GiB") in MiB. */
function retentionMiB(size: string): number {
    const m = /^([0-9.]+)(Ki|Mi|Gi|Ti)?B$/.exec(size);
    assert.ok(m, size);
    const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
    return Number(m[1]) * factor[m[2] ?? "Mi"];
}

describe("monitoring: llama31-pd releases", () => {
    let p: StackPlan;
    let kps: KpsValues;
    let dcgm: DcgmValues;
    before(async () => {
        p = await planStack("llama31-pd");
        kps = release(p, "kube-prometheus-stack")!.inputs.values as KpsValues;
        dcgm = release(p, "dcgm-exporter")!.inputs.values as DcgmValues;
    });

    it("pins kube-prometheus-stack 88.5.3 and dcgm-exporter 4.8.2 (image 4.5.3-4.8.2-distroless) from their chart repositories", () => {
        const k = release(p, "kube-prometheus-stack")!.inputs;
        assert.deepStrictEqual(
            [k.version, (k.repositoryOpts as { repo: string }).repo, k.namespace, k.name],
            ["88.5.3", "https://prometheus-community.github.io/helm-charts", "monitoring", "monitoring"],
        );
        const d = release(p, "dcgm-exporter")!.inputs;
        assert.deepStrictEqual(
            [d.version, (d.repositoryOpts as { repo: string }).repo],
            ["4.8.2", "https://nvidia.github.io/dcgm-exporter/helm-charts"],
        );
        assert.deepStrictEqual(dcgm.image, { repository: "nvcr.io/nvidia/k8s/dcgm-exporter", tag: "4.5.3-4.8.2-distroless" });
    });

    it("Prometheus and Grafana run on system nodes with gp3 volumes of the Storage component's class", () => {
        assert.strictEqual(kps.prometheus.prometheusSpec.nodeSelector[POOL], "system");
        assert.strictEqual(kps.grafana.nodeSelector[POOL], "system");
        const storageClass = asK8s(p.manifests()).find((o) => o.kind === "StorageClass")!;
        assert.strictEqual(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, storageClass.metadata.name);
        assert.strictEqual(kps.grafana.persistence.enabled, true);
        assert.strictEqual(kps.grafana.persistence.storageClassName, storageClass.metadata.name);
    });

    it("the size retention fits the volume with room for the WAL, and a time retention is set", () => {
        const spec = kps.prometheus.prometheusSpec;
        const volume = parseMemoryMiB(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage)!;
        assert.ok(retentionMiB(spec.retentionSize) <= volume * 0.9, `${spec.retentionSize} on ${volume}Mi`);
        assert.match(spec.retention, /^[0-9]+d$/);
    });

    it("Prometheus picks up every ServiceMonitor, PodMonitor and PrometheusRule, not only those labelled for the release", () => {
        const spec = kps.prometheus.prometheusSpec;
        assert.deepStrictEqual(
            [spec.serviceMonitorSelectorNilUsesHelmValues, spec.podMonitorSelectorNilUsesHelmValues, spec.ruleSelectorNilUsesHelmValues],
            [false, false, false],
        );
    });

    it("Grafana's admin password is generated, lives only in the admin Secret, and is a secret output", () => {
        assert.strictEqual(kps.grafana.adminPassword, undefined);
        assert.ok(!JSON.stringify(kps).includes("adminPassword"));
        const secret = asObject(p.manifest("Secret", kps.grafana.admin.existingSecret, "monitoring"));
        assert.deepStrictEqual(
            Object.keys(secret.stringData as object).sort(),
            [kps.grafana.admin.passwordKey, kps.grafana.admin.userKey].sort(),
        );
        // One for Grafana; the API gateway's key is the other generated password.
        assert.deepStrictEqual(
            p
                .resources("random:index/randomPassword:RandomPassword")
                .map((r) => r.name)
                .sort(),
            ["kube-prometheus-stack-grafana-admin", "router-gateway-api-key"],
        );
        assert.strictEqual(p.plan.outputs.grafanaAdminPassword, "<secret>");
    });

    it("the dashboards sidecar loads ConfigMaps with the label the dashboards carry", () => {
        const sidecar = kps.grafana.sidecar.dashboards;
        assert.strictEqual(sidecar.enabled, true);
        const dashboards = asK8s(p.manifests()).filter(
            (o) => o.kind === "ConfigMap" && o.metadata.labels?.[sidecar.label] === sidecar.labelValue,
        );
        assert.strictEqual(dashboards.length, 2);
    });

    it("the DCGM exporter tolerates the GPU node group's taints and selects its nodes; node-exporter keeps the chart's tolerate-all", () => {
        const group = p.nodeGroup("gpu").inputs;
        const taints = (group.taints as { key: string; value?: string; effect: string }[]).map(nodeTaint);
        assert.ok(taints.length > 0 && taints.every((t) => tolerates(dcgm.tolerations, t)));
        const labels = group.labels as Record<string, string>;
        assert.ok(Object.entries(dcgm.nodeSelector).every(([k, v]) => labels[k] === v));
        assert.strictEqual(dcgm.nodeSelector[POOL], "gpu");
        assert.strictEqual(kps["prometheus-node-exporter"].tolerations, undefined);
    });

    it("the DCGM ServiceMonitor is on and keeps the GPU workload's pod labels (honorLabels)", () => {
        assert.deepStrictEqual([dcgm.serviceMonitor.enabled, dcgm.serviceMonitor.honorLabels], [true, true]);
    });

    it("outputs: a Grafana port-forward to the release's Grafana Service and Prometheus's in-cluster URL", () => {
        const command = String(p.plan.outputs.grafanaPortForwardCommand);
        assert.match(command, new RegExp(`^kubectl -n monitoring port-forward svc/${kps.fullnameOverride}-grafana 3000:80 `));
        assert.strictEqual(p.plan.outputs.prometheusUrl, `http://${kps.fullnameOverride}-prometheus.monitoring.svc.cluster.local:9090`);
        assert.strictEqual(p.plan.outputs.ampWorkspaceEndpoint, null);
    });
});

describe("monitoring: footprints", () => {
    it("dev runs the small footprint: a smaller volume and shorter retention than llama31-pd", async () => {
        const size = async (stack: string) => {
            const v = release(await planStack(stack), "kube-prometheus-stack")!.inputs.values as KpsValues;
            return parseMemoryMiB(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage)!;
        };
        assert.strictEqual(resolveStack("dev").monitoringFootprint, "small");
        assert.ok((await size("dev")) < (await size("llama31-pd")));
    });
});

describe("monitoring: capacity arithmetic counts the DCGM exporter and node-exporter", () => {
    const g5 = GPU_INSTANCE_TYPES["g5.xlarge"];

    it("monitoring takes exactly the two exporters' requests from each GPU node", () => {
        const off = { efa: false, monitoring: false };
        const on = { efa: false, monitoring: true };
        assert.strictEqual(allocatableCpuMillis(g5, off) - allocatableCpuMillis(g5, on), 100 + 50);
        assert.strictEqual(allocatableMemoryMiB(g5, off) - allocatableMemoryMiB(g5, on), 128 + 64);
    });

    it("a worker CPU that fits without monitoring is rejected with it, naming workerCpu", () => {
        const cpu = allocatableCpuMillis(g5, { efa: false, monitoring: true }) + 50;
        assert.ok(cpu <= allocatableCpuMillis(g5, { efa: false, monitoring: false }));
        resolveStack("dev", [`workerCpu=${cpu}m`, "monitoring=false"]);
        assert.throws(
            () => resolveStack("dev", [`workerCpu=${cpu}m`]),
            (e: unknown) => isConfigError(e) && e.key === "workerCpu",
        );
    });
});

describe("monitoring: Amazon Managed Prometheus", () => {
    let p: StackPlan;
    before(async () => {
        p = await planStack("llama31-pd", ["monitoringAmpWorkspace=true"]);
    });

    it("creates a workspace and remote-writes to it with SigV4 in the stack's region", () => {
        assert.strictEqual(p.resources("aws:amp/workspace:Workspace").length, 1);
        const spec = (release(p, "kube-prometheus-stack")!.inputs.values as KpsValues).prometheus.prometheusSpec;
        assert.strictEqual(spec.remoteWrite.length, 1);
        assert.match(
            spec.remoteWrite[0].url,
            /^https:\/\/aps-workspaces\.us-east-1\.amazonaws\.com\/workspaces\/.+\/api\/v1\/remote_write$/,
        );
        assert.deepStrictEqual(spec.remoteWrite[0].sigv4, { region: "us-east-1" });
    });

    it("Prometheus's service account carries an IRSA role that only it can assume, allowed to remote-write", () => {
        const sa = (release(p, "kube-prometheus-stack")!.inputs.values as KpsValues).prometheus.serviceAccount;
        assert.ok(sa.annotations["eks.amazonaws.com/role-arn"]);
        const role = p.resource("aws:iam/role:Role", "monitoring-amp-remote-write");
        assert.ok(String(role.inputs.assumeRolePolicy).includes(`system:serviceaccount:monitoring:${sa.name}`));
        const attachment = p.resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-amp-remote-write-0");
        assert.strictEqual(attachment.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonPrometheusRemoteWriteAccess");
    });

    it("without monitoring, asking for a workspace is a config error naming monitoringAmpWorkspace", () => {
        assert.throws(
            () => resolveStack("llama31-pd", ["monitoringAmpWorkspace=true", "monitoring=false"]),
            (e: unknown) => isConfigError(e) && e.key === "monitoringAmpWorkspace" && /monitoring=true/.test(e.message),
        );
    });
});

describe("monitoring=false removes it all", () => {
    for (const sets of [["monitoring=false"], ["monitoring=false", "graph=dynamo"]]) {
        it(sets.join(" "), async () => {
            const p = await planStack("llama31-pd", sets);
            const charts = p.resources(RELEASE).map((r) => r.inputs.chart);
            assert.ok(!charts.includes("kube-prometheus-stack") && !charts.includes("dcgm-exporter"), charts.join());
            const objects = asK8s(p.manifests());
            assert.deepStrictEqual(
                objects
                    .filter((o) => o.apiVersion.startsWith("monitoring.coreos.com") || o.metadata.namespace === "monitoring")
                    .map((o) => o.kind),
                [],
            );
            assert.ok(!objects.some((o) => o.kind === "Namespace" && o.metadata.name === "monitoring"));
            assert.ok(!objects.some((o) => o.kind === "NetworkPolicy" && o.metadata.name.endsWith("-from-monitoring")));
            // The API gateway's key is the only generated password left.
            assert.deepStrictEqual(
                p.resources("random:index/randomPassword:RandomPassword").filter((r) => !r.name.endsWith("-gateway-api-key")),
                [],
            );
            assert.deepStrictEqual(p.resources("aws:amp/workspace:Workspace"), []);
            for (const key of ["grafanaPortForwardCommand", "grafanaAdminPassword", "prometheusUrl"]) {
                assert.strictEqual(p.plan.outputs[key], null, key);
            }
        });
    }
});
