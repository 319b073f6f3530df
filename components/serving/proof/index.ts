/**
 * Proof that the deployment serves: the smoke-test Job `pulumi up` waits on, and the optional
 * benchmark and accuracy Jobs, all sent to the frontend Service the endpoint uses, with the
 * results bucket they upload to. Created after the serving graph (dependsOn its component).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { VLLM_IMAGE } from "../../../stacks/catalog/images";
import { StackConfig } from "../../../stacks/resolve";
import { Cloud } from "../../cloud";
import { env, EnvVar } from "../../k8s/pod";
import { serviceUrl } from "../../k8s/urls";
import { Platform } from "../../platform";
import { HF_TOKEN_KEY } from "../../platform/servingNamespace";
import { ServingGraph } from "../graph";
import { accuracyScript } from "./accuracy";
import { benchmarkScript, ProofTarget } from "./benchmark";
import { ProofJobArgs, proofJob, SCRIPTS_MOUNT } from "./job";
import { ResultsBucket } from "./resultsBucket";
import { smokeEnv, SmokeSettings } from "./smoke";
import { API_KEY_SECRET_KEY } from "../gateway";

export const SCRIPTS_CONFIG_MAP = "proof-scripts";
export const SMOKE_SERVICE_ACCOUNT = "proof-smoke-test";
export const RESULTS_SERVICE_ACCOUNT = "proof-results";
/** Cold start on the Job's side (a ~10 GB image pull on a system node) plus the graph's, whose pods may still load. */
export const SMOKE_DEADLINE_SECONDS = 3600;
export const BENCHMARK_DEADLINE_SECONDS = 4 * 3600;
/** gsm8k is 1,319 5-shot questions one at a time. */
export const ACCURACY_DEADLINE_SECONDS = 4 * 3600;

/** The slice of stack config the proof reads. */
export type ProofConfig = Pick<StackConfig, "graph" | "model" | "region" | "efa" | "smokeTest" | "benchmark" | "accuracyEval">;

/** Arguments of ServingProof. */
export interface ServingProofArgs {
    /** Namespace of the graph and of the proof Jobs. */
    readonly namespace: string;
    /** The graph under test: its frontend Service and port, worker metrics and component. */
    readonly graph: ServingGraph;
    /** Config `graph`: stamped on results and their S3 prefix. */
    readonly graphName: string;
    /** The served model id. */
    readonly model: string;
    /** AWS region of the results bucket. */
    readonly region: string;
    /** EFA is on: the smoke test requires NIXL's LIBFABRIC backend on every worker. */
    readonly efa: boolean;
    /** Create the smoke-test Job (config smokeTest). */
    readonly smokeTest: boolean;
    /** Create the benchmark Job (config benchmark). */
    readonly benchmark: boolean;
    /** Create the accuracy Job (config accuracyEval). */
    readonly accuracyEval: boolean;
    /** Secret with HF_TOKEN: the benchmark's and lm_eval's tokenizer of a gated model. */
    readonly hfTokenSecretName?: string;
    /** ARN of the cluster's IAM OIDC provider (IRSA of the uploader). */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Image of every proof Job (python3, `vllm bench`). @default VLLM_IMAGE */
    readonly image?: string;
}

export class ServingProof extends pulumi.ComponentResource {
    public readonly resultsBucketName: pulumi.Output<string>;
    public readonly jobs: k8s.batch.v1.Job[] = [];

    constructor(name: string, args: ServingProofArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:serving:ServingProof", name, {}, opts);
        const ns = args.namespace;
        const parent = { parent: this };
        const results = new ResultsBucket(
            `${name}-results`,
            { oidcProviderArn: args.oidcProviderArn, oidcIssuer: args.oidcIssuer, namespace: ns, serviceAccount: RESULTS_SERVICE_ACCOUNT },
            parent,
        );
        this.resultsBucketName = results.bucketName;

        const scripts = readScripts();
        const configMap = new k8s.core.v1.ConfigMap(
            SCRIPTS_CONFIG_MAP,
            { metadata: { name: SCRIPTS_CONFIG_MAP, namespace: ns }, data: { ...scripts, RESULTS_BUCKET: results.bucketName } },
            parent,
        );
        const resultsSa = new k8s.core.v1.ServiceAccount(
            RESULTS_SERVICE_ACCOUNT,
            { metadata: { name: RESULTS_SERVICE_ACCOUNT, namespace: ns, annotations: { "eks.amazonaws.com/role-arn": results.roleArn } } },
            parent,
        );
        const smokeRbac = this.smokeServiceAccount(ns);

        const target: ProofTarget = {
            baseUrl: serviceUrl(args.graph.gateway.serviceName, ns, args.graph.gateway.servicePort),
            model: args.model,
            graph: args.graphName,
        };
        const common = {
            namespace: ns,
            image: args.image ?? VLLM_IMAGE,
            scriptsConfigMap: SCRIPTS_CONFIG_MAP,
        };
        const apiKey: EnvVar = {
            name: "OPENAI_API_KEY",
            valueFrom: { secretKeyRef: { name: args.graph.gateway.apiKeySecretName, key: API_KEY_SECRET_KEY } },
        };
        const jobOpts = (dependsOn: pulumi.Resource[]) => ({ parent: this, dependsOn: [args.graph.resource, configMap, ...dependsOn] });

        let smoke: k8s.batch.v1.Job | undefined;
        if (args.smokeTest) {
            const settings: SmokeSettings = { target, namespace: ns, workerMetrics: args.graph.workerMetrics, efa: args.efa };
            smoke = this.job(
                "smoke-test",
                {
                    ...common,
                    kind: "smoke",
                    command: ["python3", `${SCRIPTS_MOUNT}/smoke.py`],
                    // The script's hash: a changed script replaces the Job, so pulumi up runs it again.
                    env: [...smokeEnv(settings), apiKey, ...env({ SCRIPT_SHA256: sha256(scripts["smoke.py"]) })],
                    serviceAccountName: SMOKE_SERVICE_ACCOUNT,
                    // It lists the decode pods for their NIXL counters, and with EFA reads worker logs.
                    serviceAccountToken: true,
                    installsPackages: false,
                    deadlineSeconds: SMOKE_DEADLINE_SECONDS,
                    cpu: "250m",
                    memory: "512Mi",
                },
                jobOpts(smokeRbac),
            );
        }
        // Measured only once the smoke test passed (when it runs): no numbers from a broken graph.
        const afterSmoke = [resultsSa, ...(smoke ? [smoke] : [])];
        const resultsEnv: EnvVar[] = [
            ...env({ GRAPH: args.graphName, AWS_REGION: args.region }),
            { name: "RESULTS_BUCKET", valueFrom: { configMapKeyRef: { name: SCRIPTS_CONFIG_MAP, key: "RESULTS_BUCKET" } } },
            apiKey,
            ...(args.hfTokenSecretName
                ? [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: args.hfTokenSecretName, key: HF_TOKEN_KEY } } }]
                : []),
        ];
        if (args.benchmark) {
            this.job(
                "benchmark",
                {
                    ...common,
                    kind: "benchmark",
                    command: ["bash", "-c", benchmarkScript(target)],
                    env: resultsEnv,
                    serviceAccountName: RESULTS_SERVICE_ACCOUNT,
                    serviceAccountToken: true,
                    installsPackages: true,
                    deadlineSeconds: BENCHMARK_DEADLINE_SECONDS,
                    cpu: "2",
                    memory: "4Gi",
                },
                jobOpts(afterSmoke),
            );
        }
        if (args.accuracyEval) {
            this.job(
                "accuracy",
                {
                    ...common,
                    kind: "accuracy",
                    command: ["bash", "-c", accuracyScript(target)],
                    env: resultsEnv,
                    serviceAccountName: RESULTS_SERVICE_ACCOUNT,
                    serviceAccountToken: true,
                    installsPackages: true,
                    deadlineSeconds: ACCURACY_DEADLINE_SECONDS,
                    cpu: "1",
                    memory: "4Gi",
                },
                jobOpts(afterSmoke),
            );
        }
        this.registerOutputs({ resultsBucketName: this.resultsBucketName });
    }

    private job(name: string, a: ProofJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
        const job = proofJob(`proof-${name}`, a, opts);
        this.jobs.push(job);
        return job;
    }

    /** The smoke test lists worker pods, scrapes their metrics and reads their logs (NIXL's backend line). */
    private smokeServiceAccount(ns: string): pulumi.Resource[] {
        const parent = { parent: this };
        const meta = { name: SMOKE_SERVICE_ACCOUNT, namespace: ns };
        const sa = new k8s.core.v1.ServiceAccount(SMOKE_SERVICE_ACCOUNT, { metadata: meta }, parent);
        const role = new k8s.rbac.v1.Role(
            SMOKE_SERVICE_ACCOUNT,
            {
                metadata: meta,
                rules: [
                    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
                    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
                ],
            },
            parent,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            SMOKE_SERVICE_ACCOUNT,
            {
                metadata: meta,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: SMOKE_SERVICE_ACCOUNT },
                subjects: [{ kind: "ServiceAccount", name: SMOKE_SERVICE_ACCOUNT, namespace: ns }],
            },
            parent,
        );
        return [sa, role, binding];
    }
}

/** The Python scripts the Jobs mount, from this folder. */
export function readScripts(): { "smoke.py": string; "upload.py": string } {
    const read = (file: string) => fs.readFileSync(path.join(__dirname, file), "utf8");
    return { "smoke.py": read("smoke.py"), "upload.py": read("upload.py") };
}

function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** The proof of the stack's graph, or undefined when the graph is parked. */
export function servingProof(
    config: ProofConfig,
    cloud: Cloud,
    platform: Platform,
    graph: ServingGraph | undefined,
): ServingProof | undefined {
    if (!graph) {
        return undefined;
    }
    return new ServingProof(
        "proof",
        {
            namespace: platform.namespace,
            graph,
            graphName: config.graph,
            model: config.model,
            region: config.region,
            efa: config.efa,
            smokeTest: config.smokeTest,
            benchmark: config.benchmark,
            accuracyEval: config.accuracyEval,
            hfTokenSecretName: platform.servingNamespace.hfTokenSecretName,
            oidcProviderArn: cloud.cluster.oidcProviderArn,
            oidcIssuer: cloud.cluster.oidcIssuer,
        },
        { provider: cloud.cluster.provider },
    );
}
