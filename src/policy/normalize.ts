// Turns what an agent sent (CONNECT authority, absolute URI, Host) into the one form rules are
// matched against (SPEC §4 matching rules). Anything that two parsers could read differently is
// refused as `ambiguous_request` (SPEC §2), never repaired: if the gateway resolved `/a/../b`
// or read `0x7f.1` as 127.0.0.1, the check and the upstream could see different things.
import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { GatewayError } from '../errors.ts';
import type { RequestTarget } from './types.ts';

const DEFAULT_PORT = { http: 80, https: 443 } as const;
const ASCII_HOST = /^[a-z0-9_.-]+$/;
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
// WHATWG URL "ends in a number": a host whose last label is decimal or 0x-hex is parsed as IPv4.
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

function ambiguous(message: string): GatewayError {
  return new GatewayError('ambiguous_request', message);
}

/** True when a URL parser would read `host` as an IPv4 address (in any of its forms). */
export function looksLikeIpv4(host: string): boolean {
  const end = host.endsWith('.') ? host.length - 1 : host.length;
  const lastLabel = host.slice(host.lastIndexOf('.', end - 1) + 1, end);
  return NUMERIC_LABEL.test(lastLabel.toLowerCase());
}

/** Dotted-quad IPv4 without leading zeros, or IPv6 in RFC 5952 form (lower-case, compressed). */
export function isCanonicalIp(text: string): boolean {
  if (CANONICAL_IPV4.test(text)) return true;
  return text.includes(':') && isIP(text) === 6 && !text.includes('%') && canonicalIpv6(text) === text;
}

function canonicalIpv6(text: string): string {
  // The WHATWG serializer is the RFC 5952 form: `0:0::1` and `::1` compare equal afterwards.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * Lower-case, trailing dot removed, IDN in punycode, IPv6 without brackets and compressed.
 * Non-canonical IPv4 (`2130706433`, `0x7f.1`, `127.1`, `0177.0.0.1`), zone ids and anything
 * that is not a host name are refused.
 */
export function normalizeHost(text: string): string {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw ambiguous(`host '${printable(text)}' has an unclosed '['`);
    return normalizeIpv6(text.slice(1, -1), text);
  }
  if (text.includes(':')) return normalizeIpv6(text, text);

  const lower = text.toLowerCase();
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (name === '') throw ambiguous(`host '${printable(text)}' is empty`);
  if (looksLikeIpv4(lower)) {
    if (name !== lower || !CANONICAL_IPV4.test(name)) {
      throw ambiguous(`host '${printable(text)}' reads as an IPv4 address but is not in canonical a.b.c.d form`);
    }
    return name;
  }
  const ascii = ASCII_HOST.test(name) ? name : idnToAscii(name, text);
  const labels = ascii.split('.');
  if (ascii.length > 253 || labels.some((label) => label === '' || label.length > 63)) {
    throw ambiguous(`host '${printable(text)}' is not a valid host name (empty or over-long label)`);
  }
  return ascii;
}

function normalizeIpv6(inner: string, text: string): string {
  if (inner.includes('%')) throw ambiguous(`host '${printable(text)}' carries an IPv6 zone id`);
  if (isIP(inner) !== 6) throw ambiguous(`host '${printable(text)}' is not a valid IPv6 address`);
  return canonicalIpv6(inner);
}

function idnToAscii(name: string, text: string): string {
  // Only the non-ASCII part goes through UTS 46: `%`, spaces and the like are refused here,
  // before domainToASCII would percent-decode or drop them.
  if (/[^a-z0-9_.\-\u0080-\u{10ffff}]/u.test(name)) {
    throw ambiguous(`host '${printable(text)}' contains characters not allowed in a host name`);
  }
  const ascii = domainToASCII(name);
  if (ascii === '' || !ASCII_HOST.test(ascii)) throw ambiguous(`host '${printable(text)}' is not a valid host name`);
  // UTS 46 maps full-width digits and dots, so `１２７.0.0.1` would become an address.
  if (looksLikeIpv4(ascii)) throw ambiguous(`host '${printable(text)}' is an IPv4 address written with non-ASCII characters`);
  return ascii;
}

/** `1`..`65535`, decimal, no leading zero. */
export function parsePort(text: string): number {
  const port = /^[1-9][0-9]{0,4}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535) throw ambiguous(`port '${printable(text)}' is not a number from 1 to 65535 without leading zeros`);
  return port;
}

/** Splits `host`, `host:port`, `[v6]` or `[v6]:port` without interpreting the host. */
export function splitHostPort(authority: string): { host: string; port: string | null } {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw ambiguous(`authority '${printable(authority)}' has an unclosed '['`);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw ambiguous(`authority '${printable(authority)}' has text after ']'`);
    return { host: authority.slice(0, close + 1), port: after === '' ? null : after.slice(1) };
  }
  const colon = authority.indexOf(':');
  if (colon === -1) return { host: authority, port: null };
  if (authority.indexOf(':', colon + 1) !== -1) {
    throw ambiguous(`authority '${printable(authority)}' has several ':' (an IPv6 address must be in brackets)`);
  }
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The path rules are matched on: query stripped, `%XX` of unreserved characters decoded and
 * other escapes upper-cased (RFC 3986 §6.2.2), so `/%61dmin` cannot slip past a rule on
 * `/admin`. Refused, never resolved: dot segments (also `%2e`), encoded `/` or `\`, a literal
 * `\`, NUL, control and non-ASCII bytes, `#`, a path not starting with `/`. `//` stays as written.
 */
export function normalizePath(raw: string): string {
  const query = raw.indexOf('?');
  const path = query === -1 ? raw : raw.slice(0, query);
  if (path.charCodeAt(0) !== 0x2f) throw ambiguous(`path '${printable(path)}' does not start with '/'`);
  let out = '';
  let copied = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) {
      throw ambiguous(c === 0 ? 'path contains a NUL byte' : 'path contains a space, control or non-ASCII byte');
    }
    if (c === 0x5c) throw ambiguous("path contains a '\\'");
    if (c === 0x23) throw ambiguous("path contains a '#' (fragments are never sent)");
    if (c !== 0x25) continue;
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw ambiguous(`path contains a malformed escape '${path.slice(i, i + 3)}'`);
    const byte = Number.parseInt(hex, 16);
    if (byte === 0x2f) throw ambiguous("path contains an encoded '/' (%2F)");
    if (byte === 0x5c) throw ambiguous("path contains an encoded '\\' (%5C)");
    if (byte === 0) throw ambiguous('path contains an encoded NUL (%00)');
    if (byte < 0x20 || byte === 0x7f) throw ambiguous(`path contains an encoded control byte (%${hex.toUpperCase()})`);
    const char = String.fromCharCode(byte);
    out += path.slice(copied, i) + (UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`);
    copied = i + 3;
    i += 2;
  }
  const normal = copied === 0 ? path : out + path.slice(copied);
  if (normal.includes('.')) refuseDotSegments(normal);
  return normal;
}

function refuseDotSegments(path: string): void {
  for (const segment of path.split('/')) {
    // Servlet containers drop `;params` before resolving dot segments, so `/..;/` is `..` there.
    const semicolon = segment.indexOf(';');
    const bare = semicolon === -1 ? segment : segment.slice(0, semicolon);
    if (bare === '.' || bare === '..') {
      throw ambiguous(`path contains a dot segment '${segment}' (dot segments are refused, not resolved)`);
    }
  }
}

/** What the agent sent, safe to echo in a message: bounded, control and non-ASCII bytes as `?`. */
function printable(text: string): string {
  const short = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return short.replace(/[^\x21-\x7e]/g, '?');
}

/** CONNECT authority or Host plus a request-target, as the listener received them. */
export function targetFrom(scheme: string, authority: string, rawPath: string): RequestTarget {
  if (scheme !== 'http' && scheme !== 'https') throw ambiguous(`scheme '${printable(scheme)}' is not http or https`);
  if (authority.includes('@')) throw ambiguous('the authority carries userinfo (user@host)');
  const parts = splitHostPort(authority);
  const host = normalizeHost(parts.host);
  return {
    scheme,
    host,
    port: parts.port === null ? DEFAULT_PORT[scheme] : parsePort(parts.port),
    path: normalizePath(rawPath),
    isIp: host.includes(':') || CANONICAL_IPV4.test(host),
  };
}

/**
 * An absolute `http(s)://authority/path?query` URI. Parsed by hand: the WHATWG parser would
 * resolve dot segments and rewrite IPv4 forms before we could refuse them.
 */
export function targetFromUrl(url: string): RequestTarget {
  const sep = url.indexOf('://');
  if (sep === -1) throw ambiguous(`'${printable(url)}' is not an absolute http(s) URL`);
  const rest = url.slice(sep + 3);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  return targetFrom(url.slice(0, sep).toLowerCase(), authority, tail.startsWith('/') ? tail : `/${tail}`);
}
