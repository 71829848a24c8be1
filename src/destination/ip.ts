// IP literals as numbers: IPv4 as an unsigned 32-bit number, IPv6 as a 128-bit BigInt. The
// destination check compares numbers, never strings, so `::FFFF:7f00:1`, `::ffff:127.0.0.1`
// and `0:0:0:0:0:ffff:7f00:0001` are one address.
//
// Parsing is strict on purpose: dotted-quad decimal only (no `127.1`, `0x7f.1`, `0177.0.0.1`,
// SPEC §2), no zone ids (`fe80::1%eth0` names an interface, not a destination). Anything else is
// not an address, and the guard refuses what it cannot read.

export type ParsedIp =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly value: bigint };

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** `a.b.c.d` → 0..2³²-1, or -1 when `text` is not a canonical dotted quad. */
export function parseIpv4(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
      continue;
    }
    if (c < ZERO || c > NINE) return -1;
    // A leading zero would read as octal to some parsers (inet_aton); refuse it rather than guess.
    if (digits > 0 && octet === 0) return -1;
    octet = octet * 10 + (c - ZERO);
    digits++;
    if (octet > 255) return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** RFC 4291 §2.2 text forms (with `::` and a trailing dotted quad) → BigInt, or null. */
export function parseIpv6(text: string): bigint | null {
  // The longest form: eight full groups, or six and a dotted quad (45 characters).
  if (text.length > 45) return null;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return null;
  const head = parseGroups(gap === -1 ? text : text.slice(0, gap), gap === -1);
  const tail = gap === -1 ? [] : parseGroups(text.slice(gap + 2), true);
  if (head === null || tail === null) return null;
  const given = head.length + tail.length;
  // `::` stands for one or more zero groups, so with it at most seven are written.
  if (gap === -1 ? given !== 8 : given > 7) return null;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...tail];
  let value = 0n;
  for (let i = 0; i < 8; i += 2) value = (value << 32n) | BigInt(groups[i]! * 0x10000 + groups[i + 1]!);
  return value;
}

function parseGroups(part: string, dottedQuadLast: boolean): number[] | null {
  if (part === '') return [];
  const fields = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (dottedQuadLast && i === fields.length - 1 && field.includes('.')) {
      const v4 = parseIpv4(field);
      if (v4 === -1) return null;
      groups.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(field)) return null;
    groups.push(Number.parseInt(field, 16));
  }
  return groups;
}

export function parseIp(text: string): ParsedIp | null {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === -1 ? null : { family: 4, value };
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

const MAPPED_PREFIX = 0xffffn;

/**
 * RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups
 * (the first on a tie) written `::`, and IPv4-mapped addresses in mixed notation (§5).
 */
export function formatIpv6(value: bigint): string {
  if (value >> 32n === MAPPED_PREFIX) return `::ffff:${formatIpv4(Number(value & 0xffffffffn))}`;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function formatIp(ip: ParsedIp): string {
  return ip.family === 4 ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

/** The canonical text of an IP literal, or null when `text` is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip);
}
