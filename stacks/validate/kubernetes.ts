/** The EKS Kubernetes version and the GPU AMI release pinned for it. */
import { GPU_AMI_RELEASE_NAMES, gpuAmiReleaseVersion } from "../catalog/amis";
import { ConfigError } from "../errors";
import { KUBERNETES_VERSIONS } from "../schema";

/**
 * Versions that exist on EKS but are refused, and why. 1.34: standard support ends 2026-12-02
 * (14 months after its 2025-10-06 release: docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 * "under standard support ... for the first 14 months", dates as listed by endoflife.date/amazon-eks);
 * a cluster created today would bill extended support from tomorrow and need an upgrade at once.
 * Refused rather than warned: a warning scrolls past in a preview, the bill does not.
 */
export const REFUSED_KUBERNETES_VERSIONS: Readonly<Record<string, string>> = {
    "1.34": "1.34 leaves EKS standard support on 2026-12-02 (extended support is billed extra per cluster hour)",
};

export function validateKubernetesVersion(kubernetesVersion: string): void {
    if ((KUBERNETES_VERSIONS as readonly string[]).includes(kubernetesVersion)) {
        return;
    }
    const why = REFUSED_KUBERNETES_VERSIONS[kubernetesVersion];
    throw new ConfigError(
        "kubernetesVersion",
        kubernetesVersion,
        `${why ? `${why}; ` : ""}must be one of: ${KUBERNETES_VERSIONS.join(", ")} (EKS standard support with AL2023 NVIDIA AMIs).`,
    );
}

/** The pinned AMI release must have an AMI for the cluster's Kubernetes version. */
export function validateGpuAmiRelease(gpuAmiRelease: string, kubernetesVersion: string): void {
    if (gpuAmiReleaseVersion(kubernetesVersion, gpuAmiRelease) === undefined) {
        throw new ConfigError(
            "gpuAmiRelease",
            gpuAmiRelease,
            `has no catalogued AL2023 NVIDIA AMI for Kubernetes ${kubernetesVersion}; known releases: ${GPU_AMI_RELEASE_NAMES.join(", ")} (stacks/catalog/amis.ts).`,
        );
    }
}
