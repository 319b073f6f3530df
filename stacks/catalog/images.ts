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

/**
 * NVIDIA Dynamo 1.6.2 (vLLM 0.31.0) as AWS Deep Learning Containers, x86_64 on Amazon Linux 2023.
 * Both tags are listed in the images table of https://aws.github.io/deep-learning-containers/dynamo/
 * ("vLLM 0.31.0 | No | ...:1.6.2-vllm-runtime-v1", "vLLM 0.31.0 | Yes | ...:1.6.2-efa-vllm-runtime-v1").
 * NVIDIA's own `vllm-runtime:1.6.x-efa` is not named by any source we could read, so the
 * EFA graph runs the DLC, and the plain graph the DLC of the same release (same runtime, same flags).
 */
export const DYNAMO_VERSION = "1.6.2";
const DYNAMO_DLC = "public.ecr.aws/deep-learning-containers/dynamo";
export const DYNAMO_IMAGE = `${DYNAMO_DLC}:${DYNAMO_VERSION}-vllm-runtime-v1`;
/** The same runtime with the EFA userspace (libfabric) that NIXL's LIBFABRIC backend rides. */
export const DYNAMO_EFA_IMAGE = `${DYNAMO_DLC}:${DYNAMO_VERSION}-efa-vllm-runtime-v1`;
/**
 * The Dynamo runtime inside both DLC tags, for the operator (runtimeVersionOverride): it reads
 * the version off the image tag otherwise, and `1.6.2-efa-vllm-runtime-v1` is no plain version.
 */
export const DYNAMO_RUNTIME_VERSION = DYNAMO_VERSION;

/** The Dynamo runtime image of the workers: with the EFA userspace when EFA is wired. */
export function dynamoWorkerImage(efa: boolean): string {
    return efa ? DYNAMO_EFA_IMAGE : DYNAMO_IMAGE;
}

/** vllm-project/router release image (tag scheme v<version>, .buildkite/scripts/publish-release-images.sh). */
export const VLLM_ROUTER_IMAGE = "vllm/vllm-router:v0.1.22";

/** Holds a DaemonSet pod after its init container did the work. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** The image of the prefill/decode workers (and of the model cache's download) for a graph. */
export function workerImage(graph: string, efa: boolean, region: string): string {
    if (graph === "dynamo") {
        return dynamoWorkerImage(efa);
    }
    return efa ? vllmEfaImage(region) : VLLM_IMAGE;
}
