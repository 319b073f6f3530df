/** Kubernetes resource quantities: just the forms this program accepts in config. */

const CPU_PATTERN = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY_PATTERN = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const MEMORY_UNIT_BYTES: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
};

/** "22" -> 22000, "3500m" -> 3500, "1.5" -> 1500; undefined when not a CPU quantity. */
export function parseCpuMillis(text: string): number | undefined {
    const match = CPU_PATTERN.exec(text.trim());
    if (!match) {
        return undefined;
    }
    const amount = Number(match[1]);
    return match[2] === "m" ? amount : amount * 1000;
}

/** "100Gi" -> 102400, "512Mi" -> 512; undefined when not a memory quantity. */
export function parseMemoryMiB(text: string): number | undefined {
    const match = MEMORY_PATTERN.exec(text.trim());
    if (!match) {
        return undefined;
    }
    return (Number(match[1]) * MEMORY_UNIT_BYTES[match[2] ?? ""]) / 1024 ** 2;
}
