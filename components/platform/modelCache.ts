import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Duration } from "../k8s/units";
import { MODEL_CACHE_REQUESTS } from "../../stacks/catalog/daemonSets";
import { PAUSE_IMAGE } from "../../stacks/catalog/images";
import { awaitTimeout, Container, env, EnvVar, onGpuNodes, Volume } from "../k8s/pod";
import {
    NONROOT_UID,
    imageUserContainerSecurity,
    imageUserPodSecurity,
    podSecurityExceptions,
    restrictedContainerSecurity,
} from "../k8s/security";
import { HF_TOKEN_KEY } from "./servingNamespace";

/** Where the cache sits on the node: the instance-store RAID0 that nodeadm mounts, else the root disk. */
export const NVME_CACHE_PATH = "/mnt/k8s-disks/0/model-cache";
export const ROOT_DISK_CACHE_PATH = "/var/lib/model-cache";

/** The cache's directory on the node. */
export function modelCacheHostPath(nvme: boolean): string {
    return nvme ? NVME_CACHE_PATH : ROOT_DISK_CACHE_PATH;
}
/** Mount path of the cache in pods; HF_HOME is `<mount>/hf`. */
export const MODEL_CACHE_MOUNT = "/model-cache";
const VOLUME_NAME = "model-cache";

/**
 * `meta-llama/Llama-3.1-8B-Instruct` -> `.ready-meta-llama--Llama-3.1-8B-Instruct`, and with a
 * revision `...@<commit>`: a node that cached another revision downloads the pinned one.
 */
export function readyMarker(model: string, revision?: string): string {
    return `.ready-${model.replace(/\//g, "--")}${revision !== undefined ? `@${revision}` : ""}`;
}

/**
 * Downloads once per node, under an exclusive lock on the cache, then writes the ready marker.
 * `original/*` holds duplicate consolidated checkpoints (Llama) that vLLM does not read.
 */
const DOWNLOAD_SCRIPT = `
import fcntl, os, pathlib
from huggingface_hub import snapshot_download
cache = pathlib.Path(os.environ["MODEL_CACHE"])
ready = cache / os.environ["READY_MARKER"]
with open(cache / ".download.lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    if ready.exists():
        print("model already cached:", os.environ["MODEL"])
    else:
        snapshot_download(repo_id=os.environ["MODEL"], revision=os.environ.get("MODEL_REVISION") or None, ignore_patterns=["original/*", "*.pth"])
        ready.write_text(os.environ["MODEL"] + "\\n")
        print("model cached:", os.environ["MODEL"])
`.trim();

/** What a serving pod needs to read the cache: the volume, the mount, its env and a wait. */
export interface ModelCacheMount {
    readonly volume: Volume;
    readonly volumeMount: k8s.types.input.core.v1.VolumeMount;
    /** HF_HOME on the cache, offline: serving pods never reach the hub. */
    readonly env: EnvVar[];
    /** Init container that waits for the node's download to finish. */
    readonly waitContainer: Container;
}

/** The pause image's user (registry.k8s.io/pause: `USER 65535:65535`, kubernetes/kubernetes build/pause/Dockerfile). */
const PAUSE_UID = 65535;

/** Options of the node-local model cache DaemonSet. */
export interface ModelCacheArgs {
    /** Namespace of the cache's DaemonSet (the serving namespace). */
    readonly namespace: string;
    /** Hugging Face model id to download. */
    readonly model: string;
    /** Commit of the model repo to download (snapshot_download revision). @default the main branch */
    readonly revision?: string;
    /** An image with python3 and huggingface_hub: the workers' own, already pulled on the node. */
    readonly image: string;
    /** The node's instance-store RAID0 is mounted (nodeadm localStorage RAID0). */
    readonly nvme: boolean;
    /** Secret with HF_TOKEN, for gated models. */
    readonly hfTokenSecretName?: string;
}

/**
 * A node-local model cache: one DaemonSet pod per GPU node downloads the model into a hostPath
 * on the instance-store NVMe (one download per node, not per pod; a file lock keeps a replaced
 * pod from downloading alongside the old one), and serving pods mount it read-only with the
 * hub turned off, after waiting for the ready marker.
 */
export class ModelCache extends pulumi.ComponentResource {
    public readonly daemonSet: k8s.apps.v1.DaemonSet;
    /** Labels of the cache's pods. */
    public readonly podLabels: Record<string, string>;
    public readonly mount: ModelCacheMount;

    constructor(name: string, args: ModelCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pd-serving:platform:ModelCache", name, {}, opts);
        const hostPath = modelCacheHostPath(args.nvme);
        const volume: Volume = { name: VOLUME_NAME, hostPath: { path: hostPath, type: "DirectoryOrCreate" } };
        const marker = readyMarker(args.model, args.revision);
        const labels = { "app.kubernetes.io/name": "model-cache", "app.kubernetes.io/instance": name };
        this.podLabels = labels;
        const hfHome = `${MODEL_CACHE_MOUNT}/hf`;

        const tokenEnv: EnvVar[] = args.hfTokenSecretName
            ? [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: args.hfTokenSecretName, key: HF_TOKEN_KEY } } }]
            : [];
        this.daemonSet = new k8s.apps.v1.DaemonSet(
            name,
            {
                metadata: { name, namespace: args.namespace, labels, annotations: awaitTimeout(Duration.hours(1)) },
                spec: {
                    selector: { matchLabels: labels },
                    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
                    template: {
                        // The download writes the node's NVMe (a hostPath) as the image's root: the
                        // directory the kubelet creates there is root's, and no other user may write it.
                        metadata: { labels, annotations: podSecurityExceptions("hostPathVolumes", "runAsNonRoot") },
                        spec: {
                            ...onGpuNodes(),
                            // It never calls the Kubernetes API.
                            automountServiceAccountToken: false,
                            securityContext: imageUserPodSecurity(),
                            initContainers: [
                                {
                                    name: "download",
                                    image: args.image,
                                    command: ["python3", "-c", DOWNLOAD_SCRIPT],
                                    env: [
                                        ...env({
                                            MODEL: args.model,
                                            ...(args.revision !== undefined ? { MODEL_REVISION: args.revision } : {}),
                                            MODEL_CACHE: MODEL_CACHE_MOUNT,
                                            READY_MARKER: marker,
                                            HF_HOME: hfHome,
                                            HF_HUB_DISABLE_TELEMETRY: "1",
                                        }),
                                        ...tokenEnv,
                                    ],
                                    resources: {
                                        requests: {
                                            cpu: `${MODEL_CACHE_REQUESTS.cpuMillis}m`,
                                            memory: `${MODEL_CACHE_REQUESTS.memoryMiB}Mi`,
                                        },
                                        limits: { memory: "4Gi" },
                                    },
                                    securityContext: imageUserContainerSecurity(),
                                    volumeMounts: [{ name: VOLUME_NAME, mountPath: MODEL_CACHE_MOUNT }],
                                },
                            ],
                            containers: [
                                {
                                    name: "hold",
                                    image: PAUSE_IMAGE,
                                    resources: { requests: { cpu: "1m", memory: "8Mi" }, limits: { memory: "16Mi" } },
                                    securityContext: restrictedContainerSecurity({ uid: PAUSE_UID }),
                                },
                            ],
                            volumes: [volume],
                        },
                    },
                },
            },
            { parent: this },
        );

        this.mount = {
            volume,
            volumeMount: { name: VOLUME_NAME, mountPath: MODEL_CACHE_MOUNT, readOnly: true },
            env: env({ HF_HOME: hfHome, HF_HUB_OFFLINE: "1", HF_HUB_DISABLE_TELEMETRY: "1" }),
            waitContainer: {
                name: "wait-for-model",
                image: args.image,
                command: [
                    "sh",
                    "-c",
                    `until [ -f ${MODEL_CACHE_MOUNT}/${marker} ]; do echo waiting for the node's model download; sleep 10; done`,
                ],
                // requests = limits, like the worker container, so worker pods are Guaranteed QoS.
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "50m", memory: "64Mi" } },
                // Only reads the marker: it runs as a non-root user whatever the image's user is.
                securityContext: restrictedContainerSecurity({ uid: NONROOT_UID }),
                volumeMounts: [{ name: VOLUME_NAME, mountPath: MODEL_CACHE_MOUNT, readOnly: true }],
            },
        };
        this.registerOutputs({});
    }
}
