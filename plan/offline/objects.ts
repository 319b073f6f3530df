/** Kubernetes objects among the recorded resources, and what the plan reads from them. */
import { RecordedResource } from "./mocks";

/** The fields of a container the plan's summary reads. */
export interface Container {
    name: string;
    command?: string[];
    args?: string[];
    env?: { name: string; value?: string }[];
    resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
}
/** The fields of a pod spec the plan's summary reads. */
export interface PodSpec {
    nodeSelector?: Record<string, string>;
    containers: Container[];
    initContainers?: Container[];
}
/** A Kubernetes object as written to a manifest file. */
export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec?: {
        replicas?: number;
        parallelism?: number;
        completions?: number;
        template?: { spec?: PodSpec };
        jobTemplate?: unknown;
    };
    [field: string]: unknown;
}

/** Resource types that are not objects applied to the cluster. */
const NOT_OBJECTS = new Set([
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:helm.sh/v4:Chart",
    "kubernetes:yaml/v2:ConfigGroup",
    "kubernetes:yaml/v2:ConfigFile",
]);

export function isKubernetesObject(resource: RecordedResource): boolean {
    return resource.custom && resource.type.startsWith("kubernetes:") && !NOT_OBJECTS.has(resource.type);
}

export function kubernetesObjects(resources: RecordedResource[]): KubernetesObject[] {
    return resources.filter(isKubernetesObject).map((r) => r.inputs as unknown as KubernetesObject);
}

export function podSpecOf(object: KubernetesObject): PodSpec | undefined {
    return object.spec?.template?.spec;
}

/** Pods a workload runs at once (Deployment/StatefulSet replicas default to 1; Job parallelism). */
export function workloadReplicas(object: KubernetesObject): number {
    switch (object.kind) {
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet":
            return object.spec?.replicas ?? 1;
        case "Job":
            return object.spec?.parallelism ?? 1;
        default:
            return 0;
    }
}
