// The destination check (SPEC §1, §4 `network`): may the gateway dial this IP address?
//
// Order, for an address A (one literal, any text form):
// 1. A, or the IPv4 inside it, is one of the gateway's own listening addresses → denied.
//    `allow_cidrs` does not lift this: dialling ourselves is a proxy loop, never a service.
// 2. A carries an IPv4 (mapped, NAT64, 6to4, … see embedded.ts) and that IPv4 is denied (in
//    deny, not in allow) → denied. An allowed wrapper prefix does not open the IPv4 behind it.
// 3. A is in `allow_cidrs` → allowed. Exceptions win over the deny list.
// 4. A is in the deny list → denied, unless the IPv4 inside it is in `allow_cidrs`: an
//    exception written for an IPv4 host covers every IPv6 form of that host.
// 5. Otherwise allowed.
import type { Cidr } from './cidr.ts';
import { AddressSet, type LabelledCidr } from './address-set.ts';
import { DEFAULT_DENY } from './default-deny.ts';
import { embeddedIpv4 } from './embedded.ts';
import { formatIpv4, formatIpv6, parseIp } from './ip.ts';
import { listeningAddresses } from './self-addresses.ts';

export interface SelfAddress {
  readonly address: string;
  /** Omitted: every port of that address. */
  readonly port?: number;
}

export interface GuardOptions {
  /** SPEC §4 `deny_cidrs: default`: add the built-in list (default-deny.ts). */
  readonly useDefaultDeny: boolean;
  readonly denyCidrs: readonly Cidr[];
  readonly allowCidrs: readonly Cidr[];
  readonly selfAddresses?: readonly SelfAddress[];
}

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: Verdict = Object.freeze({ allowed: true });

function denied(reason: string): Verdict {
  return { allowed: false, reason };
}

function where(range: LabelledCidr): string {
  return `${range.cidr.text} (${range.label})`;
}

/** Ports of one self address; null = every port. */
type Ports = Set<number> | null;

function hitsPort(ports: Ports | undefined, port: number | undefined): boolean {
  if (ports === undefined) return false;
  // An unknown port fails closed: it might be the listener's.
  return ports === null || port === undefined || ports.has(port);
}

export class DestinationGuard {
  readonly #deny: AddressSet;
  readonly #allow: AddressSet;
  readonly #self4 = new Map<number, Ports>();
  readonly #self6 = new Map<bigint, Ports>();

  constructor(options: GuardOptions) {
    const own = options.denyCidrs.map((cidr) => ({ cidr, label: 'network.deny_cidrs' }));
    this.#deny = new AddressSet(options.useDefaultDeny ? [...DEFAULT_DENY, ...own] : own);
    this.#allow = new AddressSet(options.allowCidrs.map((cidr) => ({ cidr, label: 'network.allow_cidrs' })));
    for (const self of options.selfAddresses ?? []) this.addSelf(self.address, self.port);
  }

  /**
   * Deny the gateway's own listener at `address` (as bound: `0.0.0.0` and `::` expand to every
   * local interface address). Pass the bound port, read back from `server.address()`.
   */
  addSelf(address: string, port?: number): void {
    for (const text of listeningAddresses(address)) {
      const ip = parseIp(text);
      if (ip === null) throw new Error(`gateway listening address '${text}' is not an IP address`);
      if (ip.family === 4) addPort(this.#self4, ip.value, port);
      else addPort(this.#self6, ip.value, port);
    }
  }

  /** Whether the gateway may dial `ip` (any text form; anything that is not an IP is denied). */
  check(ip: string, port?: number): Verdict {
    const parsed = parseIp(ip);
    if (parsed === null) return denied(`'${ip}' is not an IP address`);
    if (parsed.family === 4) {
      const value = parsed.value;
      if (hitsPort(this.#self4.get(value), port)) return denied(selfReason(formatIpv4(value), port));
      const range = this.#denies4(value);
      return range === undefined ? ALLOWED : denied(`${formatIpv4(value)} is in ${where(range)}`);
    }
    const value = parsed.value;
    const inner = embeddedIpv4(value);
    if (hitsPort(this.#self6.get(value), port) || (inner !== null && hitsPort(this.#self4.get(inner.value), port))) {
      return denied(selfReason(formatIpv6(value), port));
    }
    if (inner !== null) {
      const range = this.#denies4(inner.value);
      if (range !== undefined) {
        const ipv4 = formatIpv4(inner.value);
        return denied(`${formatIpv6(value)} is ${inner.kind} for ${ipv4}, which is in ${where(range)}`);
      }
    }
    if (this.#allow.matchV6(value) !== undefined) return ALLOWED;
    const range = this.#deny.matchV6(value);
    if (range === undefined) return ALLOWED;
    if (inner !== null && this.#allow.matchV4(inner.value) !== undefined) return ALLOWED;
    return denied(`${formatIpv6(value)} is in ${where(range)}`);
  }

  #denies4(value: number): LabelledCidr | undefined {
    return this.#allow.matchV4(value) === undefined ? this.#deny.matchV4(value) : undefined;
  }
}

function addPort<T>(self: Map<T, Ports>, key: T, port: number | undefined): void {
  const ports = self.get(key);
  if (ports === null) return;
  if (port === undefined) self.set(key, null);
  else if (ports === undefined) self.set(key, new Set([port]));
  else ports.add(port);
}

function selfReason(address: string, port: number | undefined): string {
  return `${address}${port === undefined ? '' : ` port ${port}`} is the gateway's own listening address`;
}
