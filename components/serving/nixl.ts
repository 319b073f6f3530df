/**
 * How prefill and decode pods move KV cache with NIXL (vLLM's NixlConnector): the connector
 * config both roles must share, and the environment of the transport underneath.
 */
import { env, EnvVar, fieldEnv } from "../k8s/pod";

/** Side-channel port of the NIXL handshake (VLLM_NIXL_SIDE_CHANNEL_PORT; +rank under DP). */
export const NIXL_SIDE_CHANNEL_PORT = 5600;

/** LIBFABRIC rides EFA; UCX is NIXL's default (TCP and CUDA IPC without RDMA NICs). */
export type NixlBackend = "LIBFABRIC" | "UCX";

/**
 * `--kv-transfer-config` for vLLM: NixlConnector in kv_both. vLLM >= 0.11 reads
 * `kv_connector_extra_config.backends` (vllm PR #25121); without it NIXL uses UCX.
 */
export function nixlKvTransferConfig(backend: NixlBackend): string {
    const config: Record<string, unknown> = { kv_connector: "NixlConnector", kv_role: "kv_both" };
    if (backend === "LIBFABRIC") {
        config.kv_connector_extra_config = { backends: ["LIBFABRIC"] };
    }
    return JSON.stringify(config);
}

/**
 * Env of a NIXL worker: the side channel on the pod IP (the default, localhost, makes remote
 * handshakes time out), and the transport's own settings.
 */
export function nixlEnv(backend: NixlBackend, gpuDirectRdma: boolean): EnvVar[] {
    const sideChannel = [
        fieldEnv("VLLM_NIXL_SIDE_CHANNEL_HOST", "status.podIP"),
        ...env({ VLLM_NIXL_SIDE_CHANNEL_PORT: String(NIXL_SIDE_CHANNEL_PORT) }),
    ];
    if (backend === "LIBFABRIC") {
        const efa: Record<string, string> = { FI_PROVIDER: "efa" };
        if (gpuDirectRdma) {
            efa.FI_EFA_USE_DEVICE_RDMA = "1";
        }
        return [...sideChannel, ...env(efa)];
    }
    return [...sideChannel, ...env({ UCX_TLS: "tcp,sm,self,cuda_copy,cuda_ipc" })];
}
