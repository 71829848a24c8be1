// CIDR parsing shared by config validation and the destination check.
import { isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  /** As written, for messages and traces. */
  readonly text: string;
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Returns an error text on failure. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `'${text}' is not a CIDR: '${address}' is not an IPv4 or IPv6 address`;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) {
      return `'${text}' is not a CIDR: prefix must be 0..${max}`;
    }
    prefix = Number(bits);
  }
  return { address, prefix, family: family as 4 | 6, text };
}
