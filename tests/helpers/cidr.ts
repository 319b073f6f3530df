/** IPv4 CIDR arithmetic for assertions (independent of components/network.ts). */

export interface Range {
    cidr: string;
    prefix: number;
    /** First address, as a number. */
    start: number;
    /** One past the last address. */
    end: number;
}

export function parseCidr(cidr: string): Range {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match) {
        throw new Error(`not an IPv4 CIDR: ${cidr}`);
    }
    const octets = match.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) {
        throw new Error(`not an IPv4 CIDR: ${cidr}`);
    }
    const prefix = Number(match[5]);
    const start = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (start % size !== 0) {
        throw new Error(`host bits set in ${cidr}`);
    }
    return { cidr, prefix, start, end: start + size };
}

export function contains(outer: string, inner: string): boolean {
    const a = parseCidr(outer);
    const b = parseCidr(inner);
    return a.start <= b.start && b.end <= a.end;
}

export function overlaps(x: string, y: string): boolean {
    const a = parseCidr(x);
    const b = parseCidr(y);
    return a.start < b.end && b.start < a.end;
}

/** Pairs of CIDRs in the list that overlap. */
export function overlappingPairs(cidrs: string[]): [string, string][] {
    const pairs: [string, string][] = [];
    cidrs.forEach((a, i) =>
        cidrs.slice(i + 1).forEach((b) => {
            if (overlaps(a, b)) {
                pairs.push([a, b]);
            }
        }),
    );
    return pairs;
}
