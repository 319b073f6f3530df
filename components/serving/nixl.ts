/**
 * How prefill and decode pods move KV cache with NIXL (vLLM's NixlConnector): the connector
 * config both roles must share, and the environment of the transport underneath. Settings follow
 * the P/D test the AWS DLC runs on the image we pin (aws/deep-learning-containers @e0ecedea
 * test/efa/scripts/nixl_disagg_pd.sh) and vLLM's docs/features/nixl_connector_usage.md.
 */
import { env, EnvVar, fieldEnv } from "../k8s/pod";

/** Side-channel port of the NIXL handshake (VLLM_NIXL_SIDE_CHANNEL_PORT; +rank under DP). */
export const NIXL_SIDE_CHANNEL_PORT = 5600;

/** LIBFABRIC rides EFA; UCX is NIXL's default (TCP and CUDA IPC without RDMA NICs). */
export type NixlBackend = "LIBFABRIC" | "UCX";

/**
 * What a decode pod does when it cannot read a request's KV cache from the prefill pod
 * (KVTransferConfig.kv_load_failure_policy, a top-level key: `Literal["recompute", "fail"] = "fail"`).
 * `recompute`: the decode pod prefills the request itself. With 8 prefill pods on one node a
 * prefill restart or node drain would otherwise fail every request in flight to it; a slower
 * answer beats an error. (The DLC test nests this key in kv_connector_extra_config, where
 * vLLM does not read it.)
 */
export const KV_LOAD_FAILURE_POLICY = "recompute";

/**
 * `--kv-transfer-config` for vLLM: NixlConnector in kv_both (NixlConnector does not distinguish
 * roles), `kv_connector_extra_config.backends` picks the NIXL backend (UCX without it).
 * kv_lease_duration stays at its default, 30 s: the decode pod heartbeats the lease every
 * duration/6 while a request waits in its queue (docs/design/nixl_kv_cache_lease.md), so queueing
 * under load does not expire it, and a shorter lease would only free blocks of dead decoders sooner.
 */
export function nixlKvTransferConfig(backend: NixlBackend): string {
    const config: Record<string, unknown> = {
        kv_connector: "NixlConnector",
        kv_role: "kv_both",
        kv_load_failure_policy: KV_LOAD_FAILURE_POLICY,
    };
    if (backend === "LIBFABRIC") {
        config.kv_connector_extra_config = { backends: ["LIBFABRIC"] };
    }
    return JSON.stringify(config);
}

/**
 * libfabric env of a LIBFABRIC worker. FI_PROVIDER=efa as in the DLC P/D test; device RDMA (GPU
 * memory straight to the NIC) where the instance has GPUDirect RDMA, and SHM transfer off
 * (NIXL moves intra-node data itself), both from Dynamo's docs/kubernetes/efa.md (`FI_PROVIDER=efa`,
 * `FI_EFA_USE_DEVICE_RDMA=1`, `FI_EFA_ENABLE_SHM_TRANSFER=0`). VLLM_KV_CACHE_LAYOUT=HND: the DLC
 * test sets it ("required by NixlConnector and matches upstream").
 */
export function libfabricEnv(gpuDirectRdma: boolean): Record<string, string> {
    const values: Record<string, string> = { FI_PROVIDER: "efa" };
    if (gpuDirectRdma) {
        values.FI_EFA_USE_DEVICE_RDMA = "1";
    }
    values.FI_EFA_ENABLE_SHM_TRANSFER = "0";
    values.VLLM_KV_CACHE_LAYOUT = "HND";
    return values;
}

/**
 * Env of a NIXL worker: the side channel on the pod IP (the default, localhost, makes remote
 * handshakes time out; the DLC test sets both HOST and PORT), and the transport's own settings.
 */
export function nixlEnv(backend: NixlBackend, gpuDirectRdma: boolean): EnvVar[] {
    const sideChannel = [
        fieldEnv("VLLM_NIXL_SIDE_CHANNEL_HOST", "status.podIP"),
        ...env({ VLLM_NIXL_SIDE_CHANNEL_PORT: String(NIXL_SIDE_CHANNEL_PORT) }),
    ];
    if (backend === "LIBFABRIC") {
        return [...sideChannel, ...env(libfabricEnv(gpuDirectRdma))];
    }
    return [...sideChannel, ...env({ UCX_TLS: "tcp,sm,self,cuda_copy,cuda_ipc" })];
}
