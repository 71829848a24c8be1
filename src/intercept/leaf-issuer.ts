// Leaf certificates for intercepted hosts (SPEC §1 "Intercept"), signed by the interception CA.
//
// Cost, measured with bench/leaf.bench.ts (2-core machine): node-forge builds and signs in pure
// JavaScript, ~19 ms per leaf, all of it holding the event loop; @peculiar/x509 over WebCrypto,
// tried first, came to ~2–3 ms mean and 5–8 ms p99, and needs a global `reflect-metadata`
// polyfill for its DI container. Here the TBS certificate is a few Buffer concatenations (src/pki/der.ts) and the
// signature is Node's `crypto.sign` on the libuv thread pool: ~0.7 ms mean (EC CA; ~0.9 ms with
// an RSA-2048 CA), of which ~0.6 ms is event-loop time, split between encoding (~0.2 ms) and the
// cache's `createSecureContext` (~0.4 ms). The leaf key is ECDSA P-256, generated once per
// process: a key generation per host would cost more than the signature, and P-256 keeps the
// handshake signature that every intercepted connection makes with it cheap.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { issueEndEntity } from '../pki/authority.ts';
import { privateKeyPem, spkiDer } from '../pki/keys.ts';
import type { InterceptionCa } from './ca.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface LeafIssuerOptions {
  readonly now?: () => number;
  /** Lifetime from issuance; default 7 days (the cache renews before it ends). */
  readonly validityMs?: number;
  /** notBefore lies this far in the past, for agents whose clocks run behind; default 1 hour. */
  readonly backdateMs?: number;
}

export interface IssuedLeaf {
  readonly host: string;
  /** The leaf followed by the CA chain, ready for `tls.createSecureContext({ cert })`. */
  readonly chainPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export class LeafIssuer {
  /** The one leaf private key (PKCS#8 PEM) behind every certificate this issuer signs. */
  readonly keyPem: string;
  readonly #publicKey: Buffer;
  readonly #ca: InterceptionCa;
  readonly #now: () => number;
  readonly #validityMs: number;
  readonly #backdateMs: number;

  constructor(ca: InterceptionCa, options: LeafIssuerOptions = {}) {
    const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } =
      generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keyPem = privateKeyPem(privateKey);
    this.#publicKey = spkiDer(publicKey);
    this.#ca = ca;
    this.#now = options.now ?? Date.now;
    this.#validityMs = options.validityMs ?? 7 * DAY_MS;
    this.#backdateMs = options.backdateMs ?? HOUR_MS;
  }

  /** `host`: a DNS name or IP literal, normalised by `normalizeLeafHost` (throws when invalid). */
  async issue(host: string): Promise<IssuedLeaf> {
    const name = normalizeLeafHost(host);
    if (name === null) throw new Error(`cannot issue a leaf certificate for '${host}': not a DNS name or IP address`);
    const now = this.#now();
    const notBefore = new Date(now - this.#backdateMs);
    // A leaf outliving its CA would fail verification at the CA's end anyway; say so in the leaf.
    const notAfter = new Date(Math.min(now + this.#validityMs, this.#ca.certificate.validToDate.getTime()));
    const certPem = await issueEndEntity(this.#ca, {
      // RFC 5280's upper bound on a CN is 64 characters; clients match on the SAN regardless.
      name: name.length <= 64 ? { organization: 'Portcullis', commonName: name } : { organization: 'Portcullis' },
      altNames: [isIPv4(name) || isIPv6(name) ? { ip: name } : { dns: name }],
      purpose: 'server',
      publicKey: this.#publicKey,
      notBefore,
      notAfter,
    });
    return { host: name, chainPem: certPem + this.#ca.chainPem, notBefore, notAfter };
  }
}

const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * The canonical form a leaf is issued and cached under: lower case, no trailing dot, IPv6
 * without brackets and compressed. Null for anything else, including a name whose last label
 * is numeric (`127.1`, `0x7f.1`): WHATWG URL reads those as IPv4, so they are no DNS name.
 */
export function normalizeLeafHost(host: string): string | null {
  let name = host.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (isIPv4(name)) return name;
  if (isIPv6(name)) return name.includes('%') ? null : new URL(`http://[${name}]/`).hostname.slice(1, -1);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253) return null;
  const labels = name.split('.');
  if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(labels[labels.length - 1] ?? '')) return null;
  return labels.every((label) => DNS_LABEL.test(label)) ? name : null;
}
