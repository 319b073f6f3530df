/**
 * Validates Kubernetes objects with the `kubernetes-models` package (4.5.1): the model class of
 * the object's apiVersion/kind checks types, enums, formats and required fields, and a second
 * pass rejects fields the schema does not know.
 *
 * kubernetes-models ships its schemas only as ajv-compiled validator functions
 * (kubernetes-models/_schemas/*.js), not as JSON schema objects, and they do not reject unknown
 * fields (the OpenAPI schema of Kubernetes has no additionalProperties: false). The compiled
 * code reads every property its schema declares (`void 0 === data.<prop> || validate(...)`) and
 * enumerates the keys of maps (`for (const key in data)`). So the unknown-field check runs the
 * same validator over proxies that record which properties it reads: a key of an object that the
 * validator neither read nor enumerated is not in the schema.
 */

import { crdProblems } from "./crdSchema";

/** What a kubernetes-models model class offers (a subset of @kubernetes-models/base Model). */
interface ModelClass {
    new (data: object): { validate(): void };
    readonly apiVersion: string;
    readonly kind: string;
    readonly prototype: { validate(this: unknown): void };
}

/**
 * The model class of an apiVersion and kind: `apps/v1` + `StatefulSet` ->
 * `kubernetes-models/apps/v1/StatefulSet`, core `v1` + `Service` -> `kubernetes-models/v1/Service`.
 */
export function modelClass(apiVersion: string, kind: string): ModelClass | undefined {
    if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
        return undefined;
    }
    let module: Record<string, unknown>;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- model classes are looked up by apiVersion/kind at run time
        module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, unknown>;
    } catch {
        return undefined;
    }
    const found = module[kind] as ModelClass | undefined;
    return typeof found === "function" && found.apiVersion === apiVersion && found.kind === kind ? found : undefined;
}

interface AccessRecord {
    read: Set<string>;
    enumerated: boolean;
}

/** Proxies over a plain JSON value that record, per object, which keys were read or enumerated. */
function tracer() {
    const records = new WeakMap<object, AccessRecord>();
    const wrap = (value: unknown): unknown => {
        if (value === null || typeof value !== "object") {
            return value;
        }
        const target = value as object;
        const record: AccessRecord = { read: new Set(), enumerated: false };
        records.set(target, record);
        const children = new Map<string, unknown>();
        return new Proxy(target, {
            get(t, key, receiver) {
                const child = Reflect.get(t, key, receiver) as unknown;
                if (typeof key !== "string") {
                    return child;
                }
                record.read.add(key);
                if (child === null || typeof child !== "object") {
                    return child;
                }
                if (!children.has(key)) {
                    children.set(key, wrap(child));
                }
                return children.get(key);
            },
            ownKeys(t) {
                record.enumerated = true;
                return Reflect.ownKeys(t);
            },
        });
    };
    return { records, wrap };
}

/** Keys of objects in `value` that the traced validator neither read nor enumerated. */
function unknownFields(value: unknown, path: string, records: WeakMap<object, AccessRecord>, out: string[]): void {
    if (Array.isArray(value)) {
        value.forEach((item, i) => unknownFields(item, `${path}/${i}`, records, out));
        return;
    }
    if (value === null || typeof value !== "object") {
        return;
    }
    const record = records.get(value);
    if (!record) {
        // The schema does not descend here (a free-form value): nothing to check against.
        return;
    }
    for (const [key, child] of Object.entries(value)) {
        if (record.enumerated || record.read.has(key)) {
            unknownFields(child, `${path}/${key}`, records, out);
        } else {
            out.push(`${path}/${key}`);
        }
    }
}

/**
 * Problems of one object, empty when it is valid: no model for its apiVersion/kind, what the
 * model's validate() rejects, and every field the schema does not know (as `unknown field /path`).
 */
export function schemaProblems(object: unknown): string[] {
    if (object === null || typeof object !== "object" || Array.isArray(object)) {
        return ["not an object"];
    }
    const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
    const model = modelClass(String(apiVersion), String(kind));
    if (!model) {
        // Custom resources: against the pinned charts' CRDs (tests/fixtures/crds).
        return (
            crdProblems({ apiVersion: String(apiVersion), kind: String(kind), ...object }) ?? [
                `no kubernetes-models class for apiVersion ${String(apiVersion)} kind ${String(kind)}`,
            ]
        );
    }
    // A JSON copy: what would be applied, and no shared sub-objects between paths.
    const data = JSON.parse(JSON.stringify(object)) as object;
    const problems: string[] = [];
    try {
        new model(data).validate();
    } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
    }
    const { records, wrap } = tracer();
    try {
        model.prototype.validate.call(wrap(data));
    } catch {
        // Reported above; this run only traces the fields the schema reads.
    }
    const unknown: string[] = [];
    unknownFields(data, "", records, unknown);
    return [...problems, ...unknown.map((p) => `unknown field ${p}`)];
}

// ---------------------------------------------------------------------------------------------
// Reading the plan's objects: pod templates, containers, env, selectors and tolerations.
// ---------------------------------------------------------------------------------------------

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        secretKeyRef?: { name: string; key: string; optional?: boolean };
        fieldRef?: { fieldPath: string };
    };
}
export interface ContainerPort {
    name?: string;
    containerPort: number;
}
export interface Probe {
    httpGet?: { path: string; port: number | string };
    tcpSocket?: { port: number | string };
    periodSeconds?: number;
    failureThreshold?: number;
    initialDelaySeconds?: number;
    timeoutSeconds?: number;
}
export interface VolumeMount {
    name: string;
    mountPath: string;
    readOnly?: boolean;
}
export interface Container {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env?: EnvVar[];
    ports?: ContainerPort[];
    resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
    securityContext?: { capabilities?: { add?: string[] } };
    readinessProbe?: Probe;
    livenessProbe?: Probe;
    startupProbe?: Probe;
    volumeMounts?: VolumeMount[];
}
export interface Toleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
}
export interface Volume {
    name: string;
    hostPath?: { path: string; type?: string };
    emptyDir?: { medium?: string; sizeLimit?: string };
}
export interface LabelSelectorTerm {
    topologyKey: string;
    labelSelector?: { matchLabels?: Record<string, string> };
}
export interface TopologySpreadConstraint {
    topologyKey: string;
    maxSkew: number;
    whenUnsatisfiable?: string;
    labelSelector?: { matchLabels?: Record<string, string> };
}
export interface PodSpec {
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    topologySpreadConstraints?: TopologySpreadConstraint[];
    affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: LabelSelectorTerm[] } };
    initContainers?: Container[];
    containers: Container[];
    volumes?: Volume[];
}
export interface PodTemplate {
    metadata?: { labels?: Record<string, string> };
    spec: PodSpec;
}

/** The shape of an object as far as these tests read it. */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: {
        replicas?: number;
        serviceName?: string;
        selector?: Record<string, string> | { matchLabels?: Record<string, string> };
        template?: PodTemplate;
        volumeClaimTemplates?: {
            metadata: { name: string };
            spec: { storageClassName?: string; resources?: { requests?: Record<string, string> } };
        }[];
        [field: string]: unknown;
    };
    [field: string]: unknown;
}

/** Kinds that run pods from a template. */
/** Kinds with a pod template, and the Dynamo components of tests/helpers/dynamo.ts. */
export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "DynamoComponent"];

export function asK8s(objects: readonly object[]): K8sObject[] {
    return objects as K8sObject[];
}

/** One object of the plan (e.g. from StackPlan.manifest) as these tests read it. */
export function asObject(object: object): K8sObject {
    return object as K8sObject;
}

export function podTemplate(object: K8sObject): PodTemplate | undefined {
    return WORKLOAD_KINDS.includes(object.kind) ? object.spec?.template : undefined;
}

/** Init containers, then containers. */
export function allContainers(spec: PodSpec): Container[] {
    return [...(spec.initContainers ?? []), ...spec.containers];
}

export function envValue(container: Container, name: string): string | undefined {
    return container.env?.find((e) => e.name === name)?.value;
}

/** Whether every key/value of `selector` is among `labels` (a non-empty selector). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    const entries = Object.entries(selector ?? {});
    return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** Kubernetes toleration semantics: does one of the tolerations tolerate the taint? */
export function tolerates(tolerations: readonly Toleration[] | undefined, taint: { key: string; value?: string; effect: string }): boolean {
    return (tolerations ?? []).some((t) => {
        const effectOk = !t.effect || t.effect === taint.effect;
        if (t.operator === "Exists") {
            return effectOk && (!t.key || t.key === taint.key);
        }
        return effectOk && t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
    });
}

/** GPUs a pod of the template requests (nvidia.com/gpu limits of its containers). */
export function podGpus(spec: PodSpec): number {
    return spec.containers.reduce((sum, c) => sum + Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
}

/** An EKS node group taint (`NO_SCHEDULE`) as the kubelet sets it on the node (`NoSchedule`). */
export function nodeTaint(taint: { key: string; value?: string; effect: string }): { key: string; value?: string; effect: string } {
    const effects: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };
    return { key: taint.key, value: taint.value, effect: effects[taint.effect] ?? taint.effect };
}

export interface NodeAffinityOnly {
    nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
        };
    };
}

/** Labels a required node affinity pins a pod to (single-valued In expressions of its only term). */
export function requiredNodeLabels(affinity: NodeAffinityOnly | undefined): Record<string, string> | undefined {
    const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    if (terms.length !== 1) {
        return undefined;
    }
    const pinned = (terms[0].matchExpressions ?? []).filter((e) => e.operator === "In" && e.values?.length === 1);
    return Object.fromEntries(pinned.map((e) => [e.key, e.values![0]]));
}

/** Pod templates of the objects, each with the object it belongs to. */
export function podTemplates(objects: K8sObject[]) {
    return objects.flatMap((o) => {
        const t = podTemplate(o);
        return t ? [{ object: o, template: t }] : [];
    });
}
