// Leaf certificates for intercepted hosts (SPEC §1 "Intercept"), signed by the interception CA.
//
// Cost, measured with bench/leaf.bench.ts (2-core machine): node-forge builds and signs in pure
// JavaScript, ~22 ms per leaf, all of it holding the event loop, and cannot hold an EC CA key.
// Here @peculiar/asn1-x509 encodes the TBS certificate and Node's `crypto.sign` signs it on the
// libuv thread pool, so the CA key may be RSA or EC: ~1.2 ms mean, p99 ~4 ms, with an EC P-256 or
// an RSA-2048 CA, of which ~1.1 ms is event-loop time, about half of it asn1js encoding and the
// rest the cache's `createSecureContext`. The leaf key is one ECDSA P-256 key pair per process: a
// key generation per host would cost more than the signature, and P-256 keeps the handshake
// signature that every intercepted connection makes with it cheap.
import { generateKeyPairSync } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { KeyUsageFlags, id_kp_serverAuth, type Extension, type SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { publicKeyInfo, randomSerial, signCertificate, subjectName } from '../pki/certificate.ts';
import { authorityKeyIdentifier, endEntityConstraints, extendedKeyUsage, keyUsage, subjectAltName } from '../pki/extensions.ts';
import { privateKeyPem } from '../pki/keys.ts';
import { toPem } from '../pki/pem.ts';
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

interface LeafKey {
  readonly pem: string;
  readonly publicKey: SubjectPublicKeyInfo;
}

// Made on first use and shared by every issuer in the process, so a cache rebuilt on reload
// serves the same key.
let processLeafKey: LeafKey | undefined;

function leafKey(): LeafKey {
  if (!processLeafKey) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    processLeafKey = { pem: privateKeyPem(privateKey), publicKey: publicKeyInfo(publicKey.export({ type: 'spki', format: 'der' })) };
  }
  return processLeafKey;
}

export class LeafIssuer {
  /** The one leaf private key (PKCS#8 PEM) behind every certificate this process signs. */
  readonly keyPem: string;
  readonly #publicKey: SubjectPublicKeyInfo;
  readonly #ca: InterceptionCa;
  /** The extensions every leaf of this CA shares; only the SAN differs per host. */
  readonly #extensions: readonly Extension[];
  readonly #now: () => number;
  readonly #validityMs: number;
  readonly #backdateMs: number;

  constructor(ca: InterceptionCa, options: LeafIssuerOptions = {}) {
    const key = leafKey();
    this.keyPem = key.pem;
    this.#publicKey = key.publicKey;
    this.#ca = ca;
    this.#extensions = [
      endEntityConstraints(),
      keyUsage(KeyUsageFlags.digitalSignature),
      extendedKeyUsage(id_kp_serverAuth),
      ...(ca.keyId ? [authorityKeyIdentifier(ca.keyId)] : []),
    ];
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
    const der = await signCertificate({
      serial: randomSerial(),
      issuer: this.#ca.subject,
      // RFC 5280's upper bound on a CN is 64 characters; clients match on the SAN regardless.
      subject: subjectName(name.length <= 64 ? { organization: 'Portcullis', commonName: name } : { organization: 'Portcullis' }),
      notBefore,
      notAfter,
      publicKey: this.#publicKey,
      extensions: [...this.#extensions, subjectAltName([isIPv4(name) || isIPv6(name) ? { ip: name } : { dns: name }])],
    }, this.#ca.signer);
    return { host: name, chainPem: toPem('CERTIFICATE', der) + this.#ca.chainPem, notBefore, notAfter };
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
