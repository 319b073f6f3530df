/**
 * Etcd, constructed alone: a 3-member cluster that survives the loss of a node. Users depend on
 * one member per node, a PDB that keeps quorum, volumes that go with the StatefulSet, members
 * that find each other before they are Ready, and probes that give a cold member time to start.
 */
import * as assert from "assert";
import { Etcd } from "../../components/platform/etcd";
import { one, record } from "../helpers/record";

interface StatefulSetInputs {
    spec: {
        replicas: number;
        podManagementPolicy: string;
        persistentVolumeClaimRetentionPolicy: { whenDeleted: string; whenScaled: string };
        selector: { matchLabels: Record<string, string> };
        template: {
            metadata: { labels: Record<string, string> };
            spec: {
                affinity: {
                    podAntiAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            topologyKey: string;
                            labelSelector: { matchLabels: Record<string, string> };
                        }[];
                    };
                };
                containers: {
                    startupProbe: { periodSeconds: number; failureThreshold: number };
                    readinessProbe: { httpGet: { path: string } };
                }[];
            };
        };
    };
}

async function etcd() {
    const resources = await record(() => new Etcd("etcd", { namespace: "serving", storageClassName: "gp3" }));
    return {
        set: one(resources, "kubernetes:apps/v1:StatefulSet", "etcd").inputs as unknown as StatefulSetInputs,
        pdb: one(resources, "kubernetes:policy/v1:PodDisruptionBudget", "etcd").inputs as {
            spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
        },
        peers: one(resources, "kubernetes:core/v1:Service", "etcd-peers").inputs as {
            spec: { clusterIP: string; publishNotReadyAddresses: boolean };
        },
    };
}

describe("components: Etcd", () => {
    it("runs 3 members started in parallel, one per node (required anti-affinity on the hostname)", async () => {
        const { set } = await etcd();
        assert.strictEqual(set.spec.replicas, 3);
        assert.strictEqual(set.spec.podManagementPolicy, "Parallel");
        const [term] = set.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        assert.strictEqual(term.topologyKey, "kubernetes.io/hostname");
        assert.deepStrictEqual(term.labelSelector.matchLabels, set.spec.template.metadata.labels);
    });

    it("keeps quorum through voluntary disruptions: PDB minAvailable 2 selecting the members", async () => {
        const { set, pdb } = await etcd();
        assert.strictEqual(pdb.spec.minAvailable, 2);
        assert.deepStrictEqual(pdb.spec.selector.matchLabels, set.spec.selector.matchLabels);
    });

    it("deletes member volumes with the StatefulSet but keeps them on scale-in", async () => {
        const { set } = await etcd();
        assert.deepStrictEqual(set.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
    });

    it("lets members resolve each other before they are Ready (headless, publishNotReadyAddresses)", async () => {
        const { peers } = await etcd();
        assert.strictEqual(peers.spec.clusterIP, "None");
        assert.strictEqual(peers.spec.publishNotReadyAddresses, true);
    });

    it("gives a starting member at least 5 minutes and gates readiness on /readyz", async () => {
        const { set } = await etcd();
        const [container] = set.spec.template.spec.containers;
        assert.ok(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold >= 300);
        assert.strictEqual(container.readinessProbe.httpGet.path, "/readyz");
    });
});
