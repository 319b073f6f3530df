/** In-cluster DNS names of Services and of the pods behind headless Services. */

/** Cluster DNS domain of EKS (kubelet --cluster-domain). */
const CLUSTER_DOMAIN = "svc.cluster.local";

/** `<name>.<namespace>.svc.cluster.local`: a Service's in-cluster host name. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.${CLUSTER_DOMAIN}`;
}

/** `<scheme>://<name>.<namespace>.svc.cluster.local:<port><path>`: a Service's in-cluster URL. */
export function serviceUrl(name: string, namespace: string, port: number, path = "", scheme = "http"): string {
    return `${scheme}://${serviceHost(name, namespace)}:${port}${path}`;
}

/** `<pod>.<service>.<namespace>.svc.cluster.local`: a pod's host name behind a headless Service. */
export function podHost(pod: string, service: string, namespace: string): string {
    return `${pod}.${serviceHost(service, namespace)}`;
}

/** `<scheme>://<pod>.<service>.<namespace>.svc.cluster.local:<port><path>`. */
export function podUrl(pod: string, service: string, namespace: string, port: number, path = "", scheme = "http"): string {
    return `${scheme}://${podHost(pod, service, namespace)}:${port}${path}`;
}
