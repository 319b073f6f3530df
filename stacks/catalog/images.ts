/**
 * Every container image the serving graphs run, pinned to a version. Evidence for each pin is
 * in the README ("Pinned versions"); the flags the containers use are listed per version in
 * tests/fixtures/flags.ts.
 */

/**
 * vLLM of the vllm-router graph, the same on both roles (prefill and decode must agree on the
 * KV-cache layout and the NIXL wire format). 0.27.1 is the newest vLLM with an AWS DLC carrying
 * the EFA userspace (aws/deep-learning-containers @e0ecedea .github/config/image/vllm/ec2-ubuntu.yml:
 * `framework_version: "0.27.1"`); it requires NIXL >= 1.1 (vllm PR #42364 `nixl >= 1.1.0`,
 * bumped to 1.3.1 by PR #47559 before the 0.27 branch), i.e. the 0.10 PCI-bus-id GPU-EFA
 * mapping and the 1.1 multi-GPU registration fix our 8 single-GPU pods per p5 need.
 */
export const VLLM_VERSION = "0.27.1";

/**
 * Upstream vLLM image without the EFA userspace: named as the DLC's base image
 * (aws/deep-learning-containers @e0ecedea docker/vllm/Dockerfile `ARG BASE_IMAGE=vllm/vllm-openai:v0.27.1`,
 * ec2-ubuntu.yml `base_image: "vllm/vllm-openai:v0.27.1"`). Its NIXL comes from vLLM's
 * requirements/kv_connectors.txt; with efa off the UCX backend runs over TCP.
 */
export const VLLM_IMAGE = `vllm/vllm-openai:v${VLLM_VERSION}`;

/**
 * AWS Deep Learning Container for vLLM on EC2: `FROM vllm/vllm-openai:v0.27.1` plus the EFA
 * installer 1.47.0 (libfabric under /opt/amazon/efa; Dynamo's EFA guide requires >= 1.47.0),
 * CUDA 13.0.2. Tag from aws/deep-learning-containers @e0ecedea docs/src/data/vllm/0.27.1-gpu-ec2.yml
 * (`"0.27.1-gpu-py312-cu130-ubuntu22.04-ec2"`, added by ab88e78b "[Docs Update] vLLM 0.27.1 EC2 (#6557)"),
 * URI form `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` from docs/src/utils.py.
 * Its NIXL LIBFABRIC plugin is checked by test/efa/scripts/nixl_libfabric_smoke.py; its P/D test
 * (test/efa/scripts/nixl_disagg_pd.sh) is what nixl.ts follows. Its ENTRYPOINT runs
 * `vllm serve "$@"`; the workers set `command: [vllm, serve]`, which works on both images.
 */
export function vllmEfaImage(region: string): string {
    return `${DLC_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/vllm:${VLLM_VERSION}-gpu-py312-cu130-ubuntu22.04-ec2`;
}

/**
 * The account that hosts AWS Deep Learning Containers in these regions, from
 * aws/deep-learning-containers @e0ecedea docs/reference/region_availability.md. Other regions
 * have accounts of their own (ap-northeast-3 is 364406365360) and no per-image list says which
 * images they mirror, so they are refused rather than guessed.
 */
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

/**
 * vllm-project/router v0.1.15, the newest upstream release seen (Cargo.toml @0e7a5e1e
 * `version = "0.1.15"`; PyPI wheel vllm-router==0.1.15, NovaSky-AI/SkyRL PR #1988). It has
 * Kubernetes discovery in vLLM P/D mode (router PR #84). NOT VERIFIED: no source read names this
 * Docker Hub tag. The tag follows the release script (.buildkite/scripts/publish-release-images.sh
 * @e0c942d4: `DOCKERHUB_REPO="vllm/vllm-router"`, `PRIMARY_TAGS=("latest" "v${RELEASE_VERSION}")`),
 * which is a naming convention, not proof; check `docker manifest inspect vllm/vllm-router:v0.1.15`
 * before `pulumi up` (README, "Pinned versions"). (v0.1.20-v0.1.26 are PrimeIntellect-ai/router
 * fork versions with another CLI.)
 */
export const VLLM_ROUTER_VERSION = "0.1.15";
export const VLLM_ROUTER_IMAGE = `vllm/vllm-router:v${VLLM_ROUTER_VERSION}`;

/** Holds a DaemonSet pod after its init container did the work. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** The image of the prefill/decode workers (and of the model cache's download) for a graph. */
export function workerImage(graph: string, efa: boolean, region: string): string {
    if (graph === "dynamo") {
        return dynamoWorkerImage(efa);
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
