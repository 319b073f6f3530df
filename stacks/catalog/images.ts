/**
 * Every container image the serving graphs run, pinned to a version. Evidence for each pin is
 * in the README ("Pinned versions"); the flags the containers use are listed per version in
 * tests/fixtures/flags.ts.
 */

/** Upstream vLLM 0.11.2 OpenAI server image; bundles NIXL (UCX backend) but not the EFA userspace. */
export const VLLM_IMAGE = "vllm/vllm-openai:v0.11.2";

/**
 * AWS Deep Learning Container for vLLM on EC2: `FROM vllm/vllm-openai:v0.11.2` plus the EFA
 * installer 1.45.1 (libfabric under /opt/amazon/efa), whose NIXL LIBFABRIC test ran on this
 * image (aws/deep-learning-containers release v1.4-vllm-ec2-0.11.2-gpu-py312, vllm/x86_64/gpu/
 * Dockerfile and test/vllm/ec2/utils/test_nixl.sh). Same vLLM as VLLM_IMAGE, so same flags.
 */
export function vllmEfaImage(region: string): string {
    return `${DLC_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/vllm:0.11.2-gpu-py312-cu129-ubuntu22.04-ec2`;
}

/** The account that hosts AWS Deep Learning Containers in these (commercial) regions. */
export const DLC_ACCOUNT = "763104351884";
export const DLC_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
] as const;

/** NVIDIA Dynamo 0.7.0 vLLM runtime (vLLM 0.11.0 inside). */
export const DYNAMO_VERSION = "0.7.0";
export const DYNAMO_IMAGE = `nvcr.io/nvidia/ai-dynamo/vllm-runtime:${DYNAMO_VERSION}`;

/** vllm-project/router release image (tag scheme v<version>, .buildkite/scripts/publish-release-images.sh). */
export const VLLM_ROUTER_IMAGE = "vllm/vllm-router:v0.1.22";

/** Holds a DaemonSet pod after its init container did the work. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** The image of the prefill/decode workers (and of the model cache's download) for a graph. */
export function workerImage(graph: string, efa: boolean, region: string): string {
    if (graph === "dynamo") {
        return DYNAMO_IMAGE;
    }
    return efa ? vllmEfaImage(region) : VLLM_IMAGE;
}

/**
 * nginx (unprivileged build: uid 101, port 8080) for the API gateway, pinned by digest: the tag
 * and digest as named by DependencyTrack/frontend PR #1373 (docker/Dockerfile.alpine, "FROM
 * nginxinc/nginx-unprivileged:1.29.2-alpine@sha256:fb0892...").
 */
export const GATEWAY_IMAGE =
    "nginxinc/nginx-unprivileged:1.29.2-alpine@sha256:fb089229c0b27470aef1384985c4f073c19f6e1529a9cfc9676cf7d9869a36f4";
