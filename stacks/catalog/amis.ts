/**
 * EKS-optimized AL2023 NVIDIA AMI releases the GPU node group can be pinned to, with their
 * managed node group release versions. A pinned release keeps the GPU nodes' launch template the
 * same on every `pulumi up`; the "recommended" parameter pulumi-eks reads otherwise moves with
 * every AMI release and replaces the nodes (pulumi-eks nodegroup.ts @v4.3.0 `getRecommendedAMI`).
 */

/**
 * Release versions (`<kubelet patch>-<date>`, the managed node group's `releaseVersion`) of each
 * Kubernetes minor in a release, from awslabs/amazon-eks-ami CHANGELOG.md @81fec2e8 "AMI Release
 * v20260714": `amazon-eks-node-al2023-x86_64-nvidia-1.35-v20260714 | 1.35.6-20260714` and
 * `amazon-eks-node-al2023-x86_64-nvidia-1.36-v20260714 | 1.36.2-20260714`; NVIDIA driver
 * 580.159.03 (CUDA 13.0, which the cu130 vLLM image needs). Newer releases exist (v20260903,
 * v20261112 on the GitHub release pages) but their 1.35 rows were not read: add one here with
 * both rows before making it the default.
 */
export const GPU_AMI_RELEASES = {
    v20260714: { "1.35": "1.35.6-20260714", "1.36": "1.36.2-20260714" },
} as const satisfies Record<string, Record<string, string>>;

export type GpuAmiRelease = keyof typeof GPU_AMI_RELEASES;
export const GPU_AMI_RELEASE_NAMES = Object.keys(GPU_AMI_RELEASES) as GpuAmiRelease[];
/** The release new stacks pin (the newest in GPU_AMI_RELEASES). */
export const DEFAULT_GPU_AMI_RELEASE: GpuAmiRelease = "v20260714";

/** The managed node group `releaseVersion` of a release for a Kubernetes minor, if catalogued. */
export function gpuAmiReleaseVersion(kubernetesVersion: string, release: string): string | undefined {
    const versions = (GPU_AMI_RELEASES as Record<string, Record<string, string>>)[release];
    return versions?.[kubernetesVersion];
}
