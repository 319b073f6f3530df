/** IPv4 CIDR arithmetic: the one parser the validators, the VPC layout and the tests share. */

/** An IPv4 CIDR block as numbers. */
export interface CidrRange {
    /** The CIDR as written. */
    readonly cidr: string;
    /** Prefix length, 0 to 32. */
    readonly prefix: number;
    /** First address, as a number. */
    readonly start: number;
    /** One past the last address. */
    readonly end: number;
    /** Whether bits below the prefix are set (`10.0.1.0/16`): not a network address. */
    readonly hostBitsSet: boolean;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The range of an IPv4 CIDR, or undefined when it is not one (bad syntax, octet > 255, prefix > 32). */
export function parseCidr(cidr: string): CidrRange | undefined {
    const match = CIDR.exec(cidr);
    if (!match) {
        return undefined;
    }
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return undefined;
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    const start = address - (address % size);
    return { cidr, prefix, start, end: start + size, hostBitsSet: address !== start };
}

/** `a.b.c.d/prefix` of a start address. */
export function formatCidr(start: number, prefix: number): string {
    return `${[24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join(".")}/${prefix}`;
}

/** Whether inner lies within outer. */
export function cidrContains(outer: CidrRange, inner: CidrRange): boolean {
    return outer.start <= inner.start && inner.end <= outer.end;
}

/** Whether two ranges share an address. */
export function cidrsOverlap(a: CidrRange, b: CidrRange): boolean {
    return a.start < b.end && b.start < a.end;
}
