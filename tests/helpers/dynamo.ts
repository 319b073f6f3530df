/**
 * The Dynamo operator renders each component of a DynamoGraphDeployment as `replicas` pods from
 * its podTemplate. Tests that look at workloads see each component as one workload-shaped object
 * (kind DynamoComponent, the graph's labels and annotations, the component type as its
 * app.kubernetes.io/component), so one check covers both graphs.
 */
import { KubernetesObject } from "../../plan/offline/objects";

export const DYNAMO_COMPONENT_KIND = "DynamoComponent";

interface DgdComponent {
    name: string;
    type?: string;
    replicas?: number;
    podTemplate?: unknown;
}

/** The components of every DynamoGraphDeployment as workload-shaped objects; other objects unchanged. */
export function withDynamoComponents(objects: KubernetesObject[]): KubernetesObject[] {
    return objects.flatMap((o) => {
        if (o.kind !== "DynamoGraphDeployment") {
            return [o];
        }
        const meta = o.metadata as KubernetesObject["metadata"] & { annotations?: Record<string, string> };
        const components = (o.spec as { components?: DgdComponent[] } | undefined)?.components ?? [];
        return components.map(
            (c) =>
                ({
                    apiVersion: o.apiVersion,
                    kind: DYNAMO_COMPONENT_KIND,
                    metadata: {
                        name: `${meta.name}-${c.name}`,
                        namespace: meta.namespace,
                        labels: { ...meta.labels, "app.kubernetes.io/component": c.type ?? c.name },
                        annotations: meta.annotations,
                    },
                    spec: { replicas: c.replicas ?? 1, template: c.podTemplate },
                }) as unknown as KubernetesObject,
        );
    });
}
