// IPv6 addresses that carry an IPv4 address inside them. Each of these reaches (or, through a
// translator or relay, may reach) that IPv4 host, so the guard checks the IPv4 as well as the
// IPv6 literal: `::ffff:169.254.169.254` is the metadata service on a dual-stack socket, and
// `64:ff9b::a00:1` is 10.0.0.1 behind a NAT64 gateway.

export interface EmbeddedIpv4 {
  /** How the IPv4 is carried, for messages: `IPv4-mapped`, `NAT64`, `6to4`, … */
  readonly kind: string;
  readonly value: number;
}

const LOW_32 = 0xffffffffn;
/** The 96-bit prefixes (value >> 32) whose last 32 bits are an IPv4 address. */
const MAPPED = 0xffffn; // ::ffff:0:0/96, RFC 4291 §2.5.5.2
const TRANSLATED = 0xffff_0000n; // ::ffff:0:0:0/96, RFC 2765 §2.1 (SIIT)
const NAT64 = 0x0064_ff9b_0000_0000_0000_0000n; // 64:ff9b::/96, RFC 6052 §2.1
const SIX_TO_FOUR = 0x2002n; // 2002::/16 (value >> 112), RFC 3056 §2
const TEREDO = 0x2001_0000n; // 2001::/32 (value >> 96), RFC 4380 §4

/**
 * The IPv4 address inside `value`, or null. Local-use NAT64 prefixes (64:ff9b:1::/48,
 * RFC 8215) place the IPv4 by a length only the operator knows, so they are not decoded; the
 * default list denies that whole prefix instead.
 */
export function embeddedIpv4(value: bigint): EmbeddedIpv4 | null {
  const top96 = value >> 32n;
  if (top96 === MAPPED) return { kind: 'IPv4-mapped', value: Number(value & LOW_32) };
  if (top96 === NAT64) return { kind: 'NAT64', value: Number(value & LOW_32) };
  if (top96 === TRANSLATED) return { kind: 'IPv4-translated', value: Number(value & LOW_32) };
  // ::/96 is "IPv4-compatible" (RFC 4291 §2.5.5.1, deprecated), except :: and ::1, which are
  // the unspecified and loopback addresses and are classified as themselves.
  if (top96 === 0n && value > 1n) return { kind: 'IPv4-compatible', value: Number(value) };
  if (value >> 112n === SIX_TO_FOUR) return { kind: '6to4', value: Number((value >> 80n) & LOW_32) };
  // RFC 4380 §4: the client's public IPv4 is the last 32 bits, every bit inverted.
  if (value >> 96n === TEREDO) return { kind: 'Teredo', value: (Number(value & LOW_32) ^ 0xffffffff) >>> 0 };
  return null;
}
