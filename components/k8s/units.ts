/**
 * Units as types (cdk8s-plus style): durations, CPU and memory are built with a unit and turned
 * into what Kubernetes wants in one place, so `600` never has to be guessed as seconds or MiB.
 */

/** A span of time. */
export interface Duration {
    /** Whole seconds. */
    readonly seconds: number;
}

/** Builders of Durations. */
export const Duration = {
    /** n seconds. */
    seconds: (n: number): Duration => ({ seconds: n }),
    /** n minutes. */
    minutes: (n: number): Duration => ({ seconds: n * 60 }),
    /** n hours. */
    hours: (n: number): Duration => ({ seconds: n * 3600 }),
};

/** A CPU amount. */
export interface Cpu {
    /** Millicores. */
    readonly millis: number;
}

/** Builders and the Kubernetes quantity of CPU amounts. */
export const Cpu = {
    /** n millicores. */
    millis: (n: number): Cpu => ({ millis: n }),
    /** n cores. */
    cores: (n: number): Cpu => ({ millis: n * 1000 }),
    /** `250m`, or `2` for whole cores. */
    quantity: (cpu: Cpu): string => (cpu.millis % 1000 === 0 ? String(cpu.millis / 1000) : `${cpu.millis}m`),
};

/** A memory amount. */
export interface Memory {
    /** Mebibytes. */
    readonly mebibytes: number;
}

/** Builders and the Kubernetes quantity of memory amounts. */
export const Memory = {
    /** n MiB. */
    mebibytes: (n: number): Memory => ({ mebibytes: n }),
    /** n GiB. */
    gibibytes: (n: number): Memory => ({ mebibytes: n * 1024 }),
    /** `512Mi`, or `2Gi` for whole GiB. */
    quantity: (memory: Memory): string => (memory.mebibytes % 1024 === 0 ? `${memory.mebibytes / 1024}Gi` : `${memory.mebibytes}Mi`),
};
