// A set of CIDR ranges compiled once into one hash map per prefix length, longest first. A
// lookup masks the address once per distinct prefix length and probes that map, so its cost
// grows with the number of distinct lengths (at most 33 or 129), not with the number of ranges,
// and the first hit is the most specific range: the one a deny reason should name.
import type { Cidr } from './cidr.ts';
import { parseIpv4, parseIpv6 } from './ip.ts';

export interface LabelledCidr {
  readonly cidr: Cidr;
  /** Why the range is listed, shown in deny reasons: `169.254.0.0/16 (link-local, cloud metadata)`. */
  readonly label: string;
}

interface Bucket<T> {
  readonly prefix: number;
  readonly mask: T;
  readonly ranges: Map<T, LabelledCidr>;
}

const ALL_V6 = (1n << 128n) - 1n;

function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function maskV6(prefix: number): bigint {
  return (ALL_V6 << BigInt(128 - prefix)) & ALL_V6;
}

export class AddressSet {
  readonly #v4: Bucket<number>[] = [];
  readonly #v6: Bucket<bigint>[] = [];

  /** When two entries name the same range, the first one's label is kept. */
  constructor(entries: Iterable<LabelledCidr>) {
    for (const entry of entries) {
      const { address, prefix, family, text } = entry.cidr;
      if (family === 4) {
        const value = parseIpv4(address);
        if (value === -1) throw new Error(`'${text}' is not a CIDR this check can read`);
        const bucket = bucketFor(this.#v4, prefix, maskV4);
        const network = (value & bucket.mask) >>> 0;
        if (!bucket.ranges.has(network)) bucket.ranges.set(network, entry);
      } else {
        const value = parseIpv6(address);
        if (value === null) throw new Error(`'${text}' is not a CIDR this check can read`);
        const bucket = bucketFor(this.#v6, prefix, maskV6);
        const network = value & bucket.mask;
        if (!bucket.ranges.has(network)) bucket.ranges.set(network, entry);
      }
    }
    this.#v4.sort((a, b) => b.prefix - a.prefix);
    this.#v6.sort((a, b) => b.prefix - a.prefix);
  }

  /** The most specific range holding the IPv4 address `value`, if any. */
  matchV4(value: number): LabelledCidr | undefined {
    for (const bucket of this.#v4) {
      const hit = bucket.ranges.get((value & bucket.mask) >>> 0);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** The most specific range holding the IPv6 address `value`, if any. */
  matchV6(value: bigint): LabelledCidr | undefined {
    for (const bucket of this.#v6) {
      const hit = bucket.ranges.get(value & bucket.mask);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

function bucketFor<T>(buckets: Bucket<T>[], prefix: number, mask: (prefix: number) => T): Bucket<T> {
  let bucket = buckets.find((b) => b.prefix === prefix);
  if (bucket === undefined) {
    bucket = { prefix, mask: mask(prefix), ranges: new Map() };
    buckets.push(bucket);
  }
  return bucket;
}
