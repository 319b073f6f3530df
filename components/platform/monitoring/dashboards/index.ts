/**
 * The project's Grafana dashboards as ConfigMaps the Grafana sidecar loads (label
 * grafana_dashboard=1, the kps values grafana.sidecar.dashboards.label/labelValue).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DASHBOARD_LABEL } from "../kubePrometheusStack";
import { MONITORING_LABELS } from "../monitors";
import { gpuDashboard } from "./gpuDashboard";
import { DashboardJson } from "./panels";
import { servingDashboard } from "./servingDashboard";

/** Every dashboard of the project, by ConfigMap name. */
export function projectDashboards(): Record<string, DashboardJson> {
    return { "dashboard-pd-serving": servingDashboard(), "dashboard-gpus": gpuDashboard() };
}

/** One ConfigMap per dashboard, its JSON under `<uid>.json`. */
export function dashboardConfigMaps(namespace: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap[] {
    return Object.entries(projectDashboards()).map(
        ([name, json]) =>
            new k8s.core.v1.ConfigMap(
                name,
                {
                    metadata: { name, namespace, labels: { ...MONITORING_LABELS, [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value } },
                    data: { [`${json.uid}.json`]: JSON.stringify(json, null, 1) },
                },
                opts,
            ),
    );
}
