/**
 * The one Job builder of the proof Jobs (smoke test, benchmark, accuracy), and the shell quoting
 * their inline scripts use.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awaitTimeout, EnvVar, onSystemNodes, Volume } from "../../k8s/pod";
import { Duration } from "../../k8s/units";
import {
    imageUserContainerSecurity,
    imageUserPodSecurity,
    NONROOT_UID,
    podSecurityExceptions,
    restrictedContainerSecurity,
    restrictedPodSecurity,
} from "../../k8s/security";

export type ProofKind = "smoke" | "benchmark" | "accuracy";

/** Label that names a proof Job's kind (the plan summary and `npm run proof` find Jobs by it). */
export const PROOF_LABEL = "pd-serving/proof";
/** Labels every proof Job pod carries (NetworkPolicies select them). */
export const PROOF_POD_LABELS = { "app.kubernetes.io/part-of": "pd-serving", "app.kubernetes.io/component": "proof" } as const;

/** Name of the Job of each kind: `npm run proof` deletes and recreates it by this name. */
export const PROOF_JOB_NAMES: Record<ProofKind, string> = {
    smoke: "proof-smoke-test",
    benchmark: "proof-benchmark",
    accuracy: "proof-accuracy",
};

/** Mount path of the proof ConfigMap (smoke.py, upload.py). */
export const SCRIPTS_MOUNT = "/proof";
/** Where the benchmark and accuracy Jobs write results before uploading them. */
export const RESULTS_MOUNT = "/results";

/**
 * pulumi-kubernetes waits for a Job past its activeDeadlineSeconds by this much: the deadline
 * already covers the image pull, so the margin is only for scheduling and the provider's polling.
 */
export const AWAIT_MARGIN_SECONDS = 300;

/** Arguments of a proof Job. */
export interface ProofJobArgs {
    /** Which proof: names the Job and labels it. */
    readonly kind: ProofKind;
    /** Namespace of the Job (the serving namespace). */
    readonly namespace: string;
    /** Image of the one container. */
    readonly image: string;
    /** The container's command (replaces the image's entrypoint, `vllm serve` in the vLLM image). */
    readonly command: string[];
    /** The container's environment. */
    readonly env: EnvVar[];
    /** ServiceAccount of the pod (RBAC for the smoke test, IRSA for uploads). */
    readonly serviceAccountName: string;
    /** Name of the ConfigMap mounted at SCRIPTS_MOUNT. */
    readonly scriptsConfigMap: string;
    /** Kubernetes stops the Job after this long (activeDeadlineSeconds): image pull and cold start included. */
    readonly deadlineSeconds: number;
    /** CPU request of the container (the memory limit is twice the memory request). */
    readonly cpu: string;
    /** Memory request, `<n>Mi` or `<n>Gi`. */
    readonly memory: string;
    /** Limit of the emptyDir at RESULTS_MOUNT. @default "1Gi" */
    readonly resultsSize?: string;
    /**
     * The pod gets its service-account token: the smoke test, which calls the Kubernetes API
     * (decode pods, worker logs), and the Jobs that use IRSA. IRSA's web-identity token is a volume of
     * its own, injected by the EKS Pod Identity webhook, but those Jobs keep the default token
     * rather than depend on the webhook's handling of a pod without one
     * (aws/amazon-eks-pod-identity-webhook#67).
     */
    readonly serviceAccountToken: boolean;
    /**
     * The script pip-installs into the image at run time (lm-eval, boto3), so the container keeps
     * the image's root user (the runAsNonRoot exception); otherwise it meets "restricted".
     */
    readonly installsPackages: boolean;
}

const DEFAULT_RESULTS_SIZE = "1Gi";
/**
 * The Job's Pod Security: restricted as a non-root user (the smoke test needs nothing but python3
 * and its mounts), or the image's root user for a script that pip-installs (the named exception).
 */
function proofSecurity(installsPackages: boolean) {
    return installsPackages
        ? { annotations: podSecurityExceptions("runAsNonRoot"), pod: imageUserPodSecurity(), container: imageUserContainerSecurity() }
        : { annotations: {}, pod: restrictedPodSecurity(NONROOT_UID), container: restrictedContainerSecurity() };
}

/** The Job manifest's arguments (also what the offline plan writes to manifests/). */
export function proofJobArgs(a: ProofJobArgs): k8s.batch.v1.JobArgs {
    const labels = { ...PROOF_POD_LABELS, [PROOF_LABEL]: a.kind };
    const security = proofSecurity(a.installsPackages);
    const volumes: Volume[] = [
        { name: "scripts", configMap: { name: a.scriptsConfigMap } },
        { name: "results", emptyDir: { sizeLimit: a.resultsSize ?? DEFAULT_RESULTS_SIZE } },
    ];
    return {
        metadata: {
            name: PROOF_JOB_NAMES[a.kind],
            namespace: a.namespace,
            labels,
            // pulumi up waits for the Job to complete and fails the update when it fails.
            annotations: awaitTimeout(Duration.seconds(a.deadlineSeconds + AWAIT_MARGIN_SECONDS)),
        },
        spec: {
            // The scripts retry inside one pod: a second pod would only repeat a real failure.
            backoffLimit: 0,
            activeDeadlineSeconds: a.deadlineSeconds,
            template: {
                metadata: { labels, annotations: security.annotations },
                spec: {
                    ...onSystemNodes(),
                    restartPolicy: "Never",
                    serviceAccountName: a.serviceAccountName,
                    automountServiceAccountToken: a.serviceAccountToken,
                    securityContext: security.pod,
                    containers: [
                        {
                            name: a.kind,
                            image: a.image,
                            command: a.command,
                            env: a.env,
                            // The smoke test writes its one-line verdict there; others fall back to the log tail.
                            terminationMessagePolicy: "FallbackToLogsOnError",
                            securityContext: security.container,
                            resources: {
                                requests: { cpu: a.cpu, memory: a.memory },
                                limits: { memory: doubled(a.memory) },
                            },
                            volumeMounts: [
                                { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
                                { name: "results", mountPath: RESULTS_MOUNT },
                            ],
                        },
                    ],
                    volumes,
                },
            },
        },
    };
}

/** A proof Job. */
export function proofJob(name: string, a: ProofJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    return new k8s.batch.v1.Job(name, proofJobArgs(a), opts);
}

function doubled(memory: string): string {
    const match = /^(\d+)(Mi|Gi)$/.exec(memory);
    if (!match) {
        throw new Error(`proof Job memory must be <n>Mi or <n>Gi, got ${memory}`);
    }
    return `${Number(match[1]) * 2}${match[2]}`;
}

const SAFE_SHELL_WORD = /^[A-Za-z0-9_\-./:=,@+%]+$/;

/** One argument as a POSIX shell word. */
export function shellQuote(word: string): string {
    return SAFE_SHELL_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv. */
export function shellLine(argv: string[]): string {
    return argv.map(shellQuote).join(" ");
}
