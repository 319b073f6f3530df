/** CIDR assertions for tests, on the project's one parser (stacks/cidr.ts). */
import { cidrContains, cidrsOverlap, CidrRange, parseCidr as parse } from "../../stacks/cidr";

/** The range of a CIDR that must be a network address; throws otherwise. */
export function parseCidr(cidr: string): CidrRange {
    const range = parse(cidr);
    if (!range || range.hostBitsSet) {
        throw new Error(`not an IPv4 network CIDR: ${cidr}`);
    }
    return range;
}

/** Whether inner lies within outer. */
export function contains(outer: string, inner: string): boolean {
    return cidrContains(parseCidr(outer), parseCidr(inner));
}

/** Pairs of CIDRs in the list that overlap. */
export function overlappingPairs(cidrs: string[]): [string, string][] {
    const pairs: [string, string][] = [];
    cidrs.forEach((a, i) =>
        cidrs.slice(i + 1).forEach((b) => {
            if (cidrsOverlap(parseCidr(a), parseCidr(b))) {
                pairs.push([a, b]);
            }
        }),
    );
    return pairs;
}
