import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A chart at a pinned version in its upstream repository. */
export interface PinnedChart {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

/** Options of one pinned Helm release. */
export interface PinnedReleaseArgs {
    /** Helm release name (fixed, so Services and labels derived from it are predictable). */
    readonly releaseName: string;
    /** Namespace the release installs into. */
    readonly namespace: string;
    /** Chart values (merged over the chart's defaults: maps merge, lists replace). */
    readonly values: pulumi.Inputs;
    /** Seconds Helm waits for the release's resources. */
    readonly timeoutSeconds: number;
}

/** A Helm release of a pinned chart (helm.v3.Release: rendered and tracked as one resource). */
export function pinnedRelease(
    name: string,
    chart: PinnedChart,
    args: PinnedReleaseArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: chart.chart,
            version: chart.version,
            repositoryOpts: { repo: chart.repo },
            namespace: args.namespace,
            timeout: args.timeoutSeconds,
            values: args.values,
        },
        opts,
    );
}
