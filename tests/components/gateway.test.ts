/**
 * ApiGateway, constructed alone. Users depend on: no request reaches the model without the key;
 * only the OpenAI routes pass (the router's admin routes do not); streams are not buffered; the
 * key lives in a Secret, never in a manifest; the pod meets the "restricted" Pod Security level.
 */
import * as assert from "assert";
import { ApiGateway, API_KEY_SECRET_KEY, gatewayConfig } from "../../components/serving/gateway";
import { one, record } from "../helpers/record";

async function gateway() {
    const resources = await record(
        () =>
            new ApiGateway("gateway", { namespace: "serving", upstreamService: "router", upstreamPort: 8000, labels: { app: "gateway" } }),
    );
    return {
        resources,
        deployment: one(resources, "kubernetes:apps/v1:Deployment", "gateway").inputs as {
            spec: { replicas: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
        },
        config: one(resources, "kubernetes:core/v1:ConfigMap", "gateway-config").inputs as { data: Record<string, string> },
        secret: one(resources, "kubernetes:core/v1:Secret", "gateway-api-key").inputs as { stringData: Record<string, string> },
    };
}

describe("components: ApiGateway", () => {
    it("admits /v1/ only with the bearer key, proxies to the upstream Service unbuffered, 404s everything else", () => {
        const conf = gatewayConfig("router.serving.svc.cluster.local:8000");
        assert.match(conf, /"Bearer \$\{API_KEY\}" 1;/);
        assert.match(conf, /location \/v1\/ \{\s+if \(\$api_key_ok = 0\) \{ return 401/);
        assert.match(conf, /proxy_pass http:\/\/router\.serving\.svc\.cluster\.local:8000;/);
        assert.match(conf, /proxy_buffering off;/);
        assert.match(conf, /location \/ \{ return 404; \}/);
        assert.ok(!/add_worker|remove_worker|\/workers/.test(conf));
    });

    it("keeps the key in a Secret (redacted in the plan) and hands it to nginx by secretKeyRef", async () => {
        const { deployment, secret } = await gateway();
        assert.strictEqual(secret.stringData[API_KEY_SECRET_KEY], "<secret>");
        const env = deployment.spec.template.spec.containers[0].env as {
            name: string;
            valueFrom?: { secretKeyRef: { name: string; key: string } };
        }[];
        assert.deepStrictEqual(env, [
            { name: "API_KEY", valueFrom: { secretKeyRef: { name: "gateway-api-key", key: API_KEY_SECRET_KEY } } },
        ]);
    });

    it("renders its config from the template the ConfigMap mounts", async () => {
        const { deployment, config } = await gateway();
        assert.ok(config.data["default.conf.template"].includes("proxy_pass http://router.serving.svc.cluster.local:8000;"));
        const mounts = deployment.spec.template.spec.containers[0].volumeMounts as { mountPath: string; readOnly?: boolean }[];
        assert.ok(mounts.some((m) => m.mountPath === "/etc/nginx/templates" && m.readOnly));
    });

    it("runs restricted: non-root, no escalation, all capabilities dropped, RuntimeDefault seccomp, no token", async () => {
        const { deployment } = await gateway();
        const pod = deployment.spec.template.spec;
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.deepStrictEqual((pod.securityContext as { seccompProfile: unknown }).seccompProfile, { type: "RuntimeDefault" });
        const sc = pod.containers[0].securityContext as {
            allowPrivilegeEscalation: boolean;
            capabilities: { drop: string[] };
            runAsNonRoot: boolean;
        };
        assert.strictEqual(sc.allowPrivilegeEscalation, false);
        assert.deepStrictEqual(sc.capabilities.drop, ["ALL"]);
        assert.strictEqual(sc.runAsNonRoot, true);
    });

    it("drains: a preStop delay and a grace period longer than it, 2 replicas by default", async () => {
        const { deployment } = await gateway();
        const pod = deployment.spec.template.spec;
        const preStop = (pod.containers[0].lifecycle as { preStop: { sleep: { seconds: number } } }).preStop.sleep.seconds;
        assert.ok(preStop > 0 && (pod.terminationGracePeriodSeconds as number) > preStop);
        assert.strictEqual(deployment.spec.replicas, 2);
    });
});
