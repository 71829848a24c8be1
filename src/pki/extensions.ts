// X.509 v3 extensions (RFC 5280 §4.2) as DER `Extension` structures, and the subject names and
// alternative names they carry.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  TAG, TRUE, childrenOf, context, integer, objectId, octetString, readElement, sequence, set, tlv, utf8String,
} from './der.ts';

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(objectId(oid), TRUE, octetString(value)) : sequence(objectId(oid), octetString(value));
}

export function basicConstraints(ca: boolean, pathLength?: number): Buffer {
  const body = ca ? [TRUE, ...(pathLength === undefined ? [] : [integer(pathLength)])] : [];
  return extension('2.5.29.19', true, sequence(...body));
}

export const KEY_USAGE = {
  digitalSignature: 0x80,
  keyEncipherment: 0x20,
  keyCertSign: 0x04,
  cRLSign: 0x02,
} as const;

/** `usages`: KEY_USAGE bits or'ed together (the first eight named bits only). */
export function keyUsage(usages: number): Buffer {
  // DER drops trailing zero bits from a named-bit list (X.690 §11.2.2): count them as unused.
  let unused = 0;
  while (unused < 7 && ((usages >> unused) & 1) === 0) unused++;
  return extension('2.5.29.15', true, tlv(TAG.bitString, Buffer.from([unused, usages & 0xff])));
}

export const EXT_KEY_USAGE = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

export function extendedKeyUsage(...oids: readonly string[]): Buffer {
  return extension('2.5.29.37', false, sequence(...oids.map(objectId)));
}

export type AltName = { readonly dns: string } | { readonly ip: string } | { readonly uri: string };

export function subjectAltName(names: readonly AltName[]): Buffer {
  const general = names.map((name) => {
    if ('dns' in name) return context(2, false, Buffer.from(name.dns, 'ascii'));
    if ('uri' in name) return context(6, false, Buffer.from(name.uri, 'ascii'));
    return context(7, false, ipBytes(name.ip));
  });
  return extension('2.5.29.17', false, sequence(...general));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bytes. */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, publicKeyBits] = childrenOf(spki, readElement(spki, 0));
  if (!publicKeyBits) throw new Error('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(spki.subarray(publicKeyBits.body + 1, publicKeyBits.end)).digest();
}

export function subjectKeyIdentifier(keyId: Buffer): Buffer {
  return extension('2.5.29.14', false, octetString(keyId));
}

export function authorityKeyIdentifier(keyId: Buffer): Buffer {
  return extension('2.5.29.35', false, sequence(context(0, false, keyId)));
}

export function crlNumber(value: number): Buffer {
  return extension('2.5.29.20', false, integer(value));
}

/** At least one part must be given: RFC 5280 §4.1.2.6 leaves an empty subject to CAs that mark the SAN critical. */
export interface NameParts {
  readonly commonName?: string;
  readonly organization?: string;
}

/** A Name DER: `O` then `CN`, one attribute per RDN, UTF8String values. */
export function distinguishedName(parts: NameParts): Buffer {
  const rdn = (oid: string, value: string) => set(sequence(objectId(oid), utf8String(value)));
  const rdns = [
    ...(parts.organization === undefined ? [] : [rdn('2.5.4.10', parts.organization)]),
    ...(parts.commonName === undefined ? [] : [rdn('2.5.4.3', parts.commonName)]),
  ];
  if (rdns.length === 0) throw new Error('a subject name needs a common name or an organization');
  return sequence(...rdns);
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`'${ip}' is not an IP address`);
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) stands for the last two 16-bit groups.
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const out = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}
