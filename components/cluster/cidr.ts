/** Small IPv4 CIDR arithmetic: parsing, overlap checks and subnet carving. */

export interface Ipv4Cidr {
    /** Network address as an unsigned 32-bit integer. */
    base: number;
    prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "10.0.0.0/16"; returns undefined for anything malformed or not on a network boundary. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
    const match = CIDR_PATTERN.exec(text);
    if (!match) return undefined;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined;
    return { base, prefix };
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    const aEnd = a.base + 2 ** (32 - a.prefix);
    const bEnd = b.base + 2 ** (32 - b.prefix);
    return a.base < bEnd && b.base < aEnd;
}

export function formatCidr(cidr: Ipv4Cidr): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.base / 2 ** shift) % 256);
    return `${octets.join(".")}/${cidr.prefix}`;
}

/** The index-th block of size /newPrefix inside cidr. */
export function subnet(cidr: Ipv4Cidr, newPrefix: number, index: number): string {
    const size = 2 ** (32 - newPrefix);
    return formatCidr({ base: cidr.base + index * size, prefix: newPrefix });
}

/** The n-th address of a network, e.g. hostAddress("10.96.0.0/16", 10) = "10.96.0.10". */
export function hostAddress(networkCidr: string, n: number): string {
    const network = parseCidr(networkCidr);
    if (!network) throw new Error(`invalid CIDR ${networkCidr}`);
    return formatCidr({ base: network.base + n, prefix: 32 }).replace(/\/32$/, "");
}

/**
 * Splits a network into eight equal blocks: public subnets take blocks 0..n-1,
 * private subnets blocks 4..4+n-1, so adding a zone later never moves a subnet.
 */
export function subnetCidrs(networkCidr: string, zoneCount: number): { public: string[]; private: string[] } {
    const network = parseCidr(networkCidr);
    if (!network) throw new Error(`invalid CIDR ${networkCidr}`);
    if (zoneCount > 4) throw new Error(`at most 4 zones are supported, got ${zoneCount}`);
    const blockPrefix = network.prefix + 3;
    const zones = [...Array(zoneCount).keys()];
    return {
        public: zones.map((i) => subnet(network, blockPrefix, i)),
        private: zones.map((i) => subnet(network, blockPrefix, 4 + i)),
    };
}
