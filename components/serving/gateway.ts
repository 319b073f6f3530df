/**
 * The API gateway in front of the router or frontend: it admits requests to the OpenAI API
 * (`/v1/...`) only with `Authorization: Bearer <api key>`, streams responses through unbuffered,
 * and exposes nothing else (the router's admin routes such as /add_worker stay inside the
 * namespace). A gateway because neither pinned router checks client keys itself: vllm-router
 * 0.1.15's `--api-key` is the key it sends to workers (src/main.rs), and dynamo.frontend 1.6 has
 * no client-auth option (Dynamo's docs expect a gateway in front).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GATEWAY_IMAGE } from "../../stacks/catalog/images";
import { httpProbe, onSystemNodes, spreadAcrossNodes } from "../k8s/pod";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { serviceHost } from "../k8s/urls";
import { DEREGISTRATION_DELAY_SECONDS } from "./endpoint";
import { Cpu, Memory } from "../k8s/units";

/** Port the gateway listens on (nginx-unprivileged cannot bind below 1024). */
export const GATEWAY_PORT = 8080;
/** Port of the gateway's ClusterIP Service (in-cluster clients: the proof Jobs). */
export const GATEWAY_SERVICE_PORT = 80;
/** Path of the gateway's own health check (no key needed): the NLB and kubelet probe it. */
export const GATEWAY_HEALTH_PATH = "/healthz";
/** Key of the API key in its Secret. */
export const API_KEY_SECRET_KEY = "API_KEY";
/** CPU and memory the gateway requests (nginx proxying streams is light); the limit is twice the memory. */
const GATEWAY_CPU = Cpu.millis(250);
const GATEWAY_MEMORY = Memory.mebibytes(128);
/** UID and GID of nginx in nginx-unprivileged. */
const NGINX_UID = 101;
/** @default replicas of the gateway */
const DEFAULT_REPLICAS = 2;
/** Generated API key length (alphanumeric: no shell or header quoting needed). */
const API_KEY_LENGTH = 48;

/** Options of the API gateway. */
export interface ApiGatewayArgs {
    /** Namespace of the gateway and of the upstream Service. */
    readonly namespace: string;
    /** Name of the upstream (router or frontend) ClusterIP Service. */
    readonly upstreamService: string;
    /** Port of the upstream Service. */
    readonly upstreamPort: number;
    /** Labels of the gateway pods. */
    readonly labels: Record<string, string>;
    /** Gateway replicas. @default 2 */
    readonly replicas?: number;
}

/** nginx config: the key check, the OpenAI routes, streaming; `${API_KEY}` is filled in at start from the Secret. */
export function gatewayConfig(upstream: string): string {
    return [
        "map $http_authorization $api_key_ok {",
        '    "Bearer ${API_KEY}" 1;',
        "    default 0;",
        "}",
        "server {",
        `    listen ${GATEWAY_PORT};`,
        `    location = ${GATEWAY_HEALTH_PATH} { access_log off; return 200 "ok\\n"; }`,
        "    location /v1/ {",
        '        if ($api_key_ok = 0) { return 401 "{\\"error\\":\\"missing or wrong API key\\"}\\n"; }',
        `        proxy_pass http://${upstream};`,
        "        proxy_http_version 1.1;",
        '        proxy_set_header Connection "";',
        '        proxy_set_header Authorization "";',
        "        proxy_buffering off;",
        "        proxy_read_timeout 3600s;",
        "        client_max_body_size 64m;",
        "    }",
        "    location / { return 404; }",
        "}",
        "",
    ].join("\n");
}

/** A key-checking nginx in front of the router or frontend, with its generated API key. */
export class ApiGateway extends pulumi.ComponentResource {
    /** The API key clients send as `Authorization: Bearer <key>` (a secret). */
    public readonly apiKey: pulumi.Output<string>;
    /** Secret holding the key under API_KEY_SECRET_KEY (smoke test and benchmark read it). */
    public readonly apiKeySecretName: string;
    /** ClusterIP Service of the gateway (port GATEWAY_SERVICE_PORT). */
    public readonly serviceName: string;
    /** Port of that Service. */
    public readonly servicePort = GATEWAY_SERVICE_PORT;
    /** Labels of the gateway pods. */
    public readonly podLabels: Record<string, string>;

    constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:ApiGateway", name, {}, opts);
        const parent = { parent: this };
        const ns = args.namespace;
        const replicas = args.replicas ?? DEFAULT_REPLICAS;
        this.apiKeySecretName = `${name}-api-key`;
        this.serviceName = name;
        this.podLabels = args.labels;
        const key = new random.RandomPassword(`${name}-api-key`, { length: API_KEY_LENGTH, special: false }, parent);
        this.apiKey = pulumi.secret(key.result);
        new k8s.core.v1.Secret(
            this.apiKeySecretName,
            {
                metadata: { name: this.apiKeySecretName, namespace: ns },
                type: "Opaque",
                stringData: { [API_KEY_SECRET_KEY]: this.apiKey },
            },
            parent,
        );
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: `${name}-config`, namespace: ns },
                data: { "default.conf.template": gatewayConfig(`${serviceHost(args.upstreamService, ns)}:${args.upstreamPort}`) },
            },
            parent,
        );
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name, namespace: ns, labels: args.labels },
                spec: {
                    replicas,
                    selector: { matchLabels: args.labels },
                    template: {
                        metadata: { labels: args.labels },
                        spec: {
                            ...onSystemNodes(),
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurity(NGINX_UID),
                            topologySpreadConstraints: [spreadAcrossNodes(args.labels, "ScheduleAnyway")],
                            containers: [
                                {
                                    name: "nginx",
                                    image: GATEWAY_IMAGE,
                                    ports: [{ name: "http", containerPort: GATEWAY_PORT }],
                                    // The image's entrypoint renders /etc/nginx/templates/*.template with envsubst
                                    // into /etc/nginx/conf.d, substituting only variables that are set.
                                    env: [
                                        {
                                            name: "API_KEY",
                                            valueFrom: { secretKeyRef: { name: this.apiKeySecretName, key: API_KEY_SECRET_KEY } },
                                        },
                                    ],
                                    readinessProbe: httpProbe(GATEWAY_HEALTH_PATH, "http", { periodSeconds: 5, failureThreshold: 2 }),
                                    livenessProbe: httpProbe(GATEWAY_HEALTH_PATH, "http", { periodSeconds: 10, failureThreshold: 3 }),
                                    // Finish in-flight streams before the pod goes: the NLB deregisters first.
                                    lifecycle: { preStop: { sleep: { seconds: DEREGISTRATION_DELAY_SECONDS + 5 } } },
                                    resources: {
                                        requests: { cpu: Cpu.quantity(GATEWAY_CPU), memory: Memory.quantity(GATEWAY_MEMORY) },
                                        limits: { memory: Memory.quantity(Memory.mebibytes(2 * GATEWAY_MEMORY.mebibytes)) },
                                    },
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [
                                        { name: "templates", mountPath: "/etc/nginx/templates", readOnly: true },
                                        { name: "conf", mountPath: "/etc/nginx/conf.d" },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            terminationGracePeriodSeconds: 60,
                            volumes: [
                                { name: "templates", configMap: { name: config.metadata.name } },
                                { name: "conf", emptyDir: {} },
                                { name: "tmp", emptyDir: {} },
                            ],
                        },
                    },
                },
            },
            parent,
        );
        new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: ns, labels: args.labels },
                spec: { selector: args.labels, ports: [{ name: "http", port: GATEWAY_SERVICE_PORT, targetPort: "http" }] },
            },
            parent,
        );
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            { metadata: { name, namespace: ns, labels: args.labels }, spec: { maxUnavailable: 1, selector: { matchLabels: args.labels } } },
            parent,
        );
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
