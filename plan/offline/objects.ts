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
        template?: { metadata?: { annotations?: Record<string, string> }; spec?: PodSpec };
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

/** The pods an object runs: one template per workload, one per component of a DynamoGraphDeployment. */
export interface PodSet {
    /** `<Kind>/<name>`, with `/<component>` for a DynamoGraphDeployment. */
    where: string;
    kind: string;
    /** app.kubernetes.io/component of a workload, the type of a Dynamo component. */
    role: string | undefined;
    replicas: number;
    spec: PodSpec;
    /** Annotations of the pod template. */
    annotations: Record<string, string>;
}

interface DynamoComponentSpec {
    name: string;
    type?: string;
    replicas?: number;
    podTemplate?: { metadata?: { annotations?: Record<string, string> }; spec?: PodSpec };
}

/**
 * Every pod template of an object. The Dynamo operator renders each component of a
 * DynamoGraphDeployment as `replicas` pods from its podTemplate (replicas default 1, CRD).
 */
export function podSetsOf(object: KubernetesObject): PodSet[] {
    const where = `${object.kind}/${object.metadata.name}`;
    if (object.kind === "DynamoGraphDeployment") {
        const components = ((object.spec as { components?: DynamoComponentSpec[] } | undefined)?.components ?? []).filter(
            (c) => c.podTemplate?.spec !== undefined,
        );
        return components.map((c) => ({
            where: `${where}/${c.name}`,
            kind: object.kind,
            role: c.type,
            replicas: c.replicas ?? 1,
            spec: c.podTemplate!.spec!,
            annotations: c.podTemplate?.metadata?.annotations ?? {},
        }));
    }
    const spec = podSpecOf(object);
    return spec
        ? [
              {
                  where,
                  kind: object.kind,
                  role: object.metadata.labels?.["app.kubernetes.io/component"],
                  replicas: workloadReplicas(object),
                  spec,
                  annotations: object.spec?.template?.metadata?.annotations ?? {},
              },
          ]
        : [];
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
