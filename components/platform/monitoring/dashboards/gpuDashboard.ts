/**
 * "GPUs and nodes": DCGM's per-GPU utilisation, memory, power, temperature, XID errors, PCIe and
 * NVLink traffic, and the nodes' kernel network throughput. Metric names: ../metrics.ts.
 */
import { dashboard, DashboardJson } from "./panels";

const RATE = "[$__rate_interval]";
const PER_GPU = "{{node}} GPU {{gpu}}";

export function gpuDashboard(): DashboardJson {
    return dashboard({
        uid: "pd-gpus",
        title: "GPUs and nodes",
        description: "Per-GPU utilisation, memory, power, temperature and XID errors (DCGM exporter), and node network throughput.",
        rows: [
            {
                title: "Compute",
                panels: [
                    {
                        title: "GPU utilisation",
                        description: "Share of time a kernel ran on the GPU (DCGM_FI_DEV_GPU_UTIL, percent).",
                        unit: "percent",
                        queries: [{ expr: "max by (node, gpu) (DCGM_FI_DEV_GPU_UTIL)", legend: PER_GPU }],
                    },
                    {
                        title: "Tensor-core activity",
                        description: "Share of cycles the tensor pipes were busy (DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, 0-1).",
                        unit: "percentunit",
                        queries: [{ expr: "max by (node, gpu) (DCGM_FI_PROF_PIPE_TENSOR_ACTIVE)", legend: PER_GPU }],
                    },
                    {
                        title: "GPU memory used",
                        description: "Framebuffer in use over framebuffer size; vLLM reserves most of it for the KV cache at start.",
                        unit: "percentunit",
                        queries: [
                            {
                                expr: "max by (node, gpu) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE))",
                                legend: PER_GPU,
                            },
                        ],
                    },
                ],
            },
            {
                title: "Power, heat and errors",
                panels: [
                    {
                        title: "Power draw",
                        description: "Board power per GPU (DCGM_FI_DEV_POWER_USAGE).",
                        unit: "watt",
                        queries: [{ expr: "max by (node, gpu) (DCGM_FI_DEV_POWER_USAGE)", legend: PER_GPU }],
                    },
                    {
                        title: "Temperature",
                        description: "GPU die and HBM temperature.",
                        unit: "celsius",
                        queries: [
                            { expr: "max by (node, gpu) (DCGM_FI_DEV_GPU_TEMP)", legend: `die ${PER_GPU}` },
                            { expr: "max by (node, gpu) (DCGM_FI_DEV_MEMORY_TEMP)", legend: `memory ${PER_GPU}` },
                        ],
                    },
                    {
                        title: "XID errors",
                        description: "The last XID error code per GPU (0 = none); any other value is a driver-reported fault.",
                        unit: "short",
                        queries: [{ expr: "max by (node, gpu) (DCGM_FI_DEV_XID_ERRORS)", legend: PER_GPU }],
                    },
                ],
            },
            {
                title: "Interconnect and network",
                panels: [
                    {
                        title: "PCIe throughput",
                        description: "PCIe bytes per second to and from each GPU (headers included).",
                        unit: "Bps",
                        queries: [
                            { expr: "max by (node, gpu) (DCGM_FI_PROF_PCIE_TX_BYTES)", legend: `tx ${PER_GPU}` },
                            { expr: "max by (node, gpu) (DCGM_FI_PROF_PCIE_RX_BYTES)", legend: `rx ${PER_GPU}` },
                        ],
                    },
                    {
                        title: "NVLink traffic",
                        description: "Rate of DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL per GPU, all links, in DCGM's counter units.",
                        unit: "short",
                        queries: [{ expr: `sum by (node, gpu) (rate(DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL${RATE}))`, legend: PER_GPU }],
                    },
                    {
                        title: "Node network throughput (kernel)",
                        description:
                            "Bytes per second through the kernel's network stack per node. EFA RDMA traffic (NIXL on LIBFABRIC) bypasses the kernel and is not in it.",
                        unit: "Bps",
                        queries: [
                            { expr: `sum by (instance) (rate(node_network_receive_bytes_total${RATE}))`, legend: "rx {{instance}}" },
                            { expr: `sum by (instance) (rate(node_network_transmit_bytes_total${RATE}))`, legend: "tx {{instance}}" },
                        ],
                    },
                ],
            },
        ],
    });
}
