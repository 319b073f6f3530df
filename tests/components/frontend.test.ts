/**
 * exposeFrontend under a recording mock: the frontend's ClusterIP Service, its PDB and its
 * endpoint. A rolling node drain must never take every frontend at once (PDB with 2+ replicas),
 * and the PDB and Services must select exactly the frontend's pods.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { exposeFrontend, FrontendExposureArgs } from "../../components/serving/graph";
import { ofType, one, record } from "../helpers/record";

class Holder extends pulumi.ComponentResource {
    constructor(args: FrontendExposureArgs) {
        super("test:index:Holder", "holder", {});
        exposeFrontend("router", args, this);
    }
}

const LABELS = { "app.kubernetes.io/name": "router" };
const ARGS: FrontendExposureArgs = {
    namespace: "serving",
    labels: LABELS,
    replicas: 2,
    ports: [{ name: "http", port: 8000 }],
    scheme: "internal",
    allowedCidrs: [],
};

describe("components: exposeFrontend", () => {
    it("with 2+ replicas, a PDB allows one frontend down at a time and selects the frontend pods", async () => {
        const resources = await record(() => new Holder(ARGS));
        const pdb = one(resources, "kubernetes:policy/v1:PodDisruptionBudget", "router").inputs as {
            spec: { maxUnavailable: number; selector: { matchLabels: unknown } };
        };
        assert.strictEqual(pdb.spec.maxUnavailable, 1);
        assert.deepStrictEqual(pdb.spec.selector.matchLabels, LABELS);
    });

    it("with 1 replica, no PDB (it would block every node drain)", async () => {
        const resources = await record(() => new Holder({ ...ARGS, replicas: 1 }));
        const pdbs = ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget").map((r) => r.name);
        assert.deepStrictEqual(pdbs, ["router-gateway"], "only the gateway's own PDB");
    });

    it("puts the key-checking gateway in front: the NLB Service selects the gateway's pods, the gateway proxies to the frontend Service", async () => {
        const resources = await record(() => new Holder(ARGS));
        const nlb = one(resources, "kubernetes:core/v1:Service", "router-endpoint").inputs as {
            spec: { selector: Record<string, string> };
        };
        assert.strictEqual(nlb.spec.selector["app.kubernetes.io/component"], "gateway");
        const conf = one(resources, "kubernetes:core/v1:ConfigMap", "router-gateway-config").inputs as { data: Record<string, string> };
        assert.ok(conf.data["default.conf.template"].includes("proxy_pass http://router.serving.svc.cluster.local:8000;"));
    });

    it("a ClusterIP Service selects the frontend pods on named ports", async () => {
        const resources = await record(() => new Holder(ARGS));
        const service = one(resources, "kubernetes:core/v1:Service", "router").inputs as {
            spec: { type?: string; selector: unknown; ports: { name: string; port: number; targetPort: string }[] };
        };
        assert.notStrictEqual(service.spec.type, "LoadBalancer");
        assert.deepStrictEqual(service.spec.selector, LABELS);
        assert.deepStrictEqual(service.spec.ports, [{ name: "http", port: 8000, targetPort: "http" }]);
    });
});
