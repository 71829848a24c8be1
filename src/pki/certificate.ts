// An X.509 v3 certificate (RFC 5280 §4.1) from its fields, signed natively; and the few fields
// of an existing certificate that issuing under it needs.
import { randomBytes } from 'node:crypto';
import { bytesOf, childrenOf, context, decodeObjectId, integer, readElement, sequence, time } from './der.ts';
import { signStructure, type Signer } from './keys.ts';

export interface CertificateFields {
  /** Positive, big-endian; see `randomSerial`. */
  readonly serial: Buffer;
  /** DER Names. The issuer's must be the CA certificate's subject byte for byte. */
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Buffer;
  /** DER Extension structures. */
  readonly extensions: readonly Buffer[];
}

/** The certificate's DER. */
export function signCertificate(fields: CertificateFields, signer: Signer): Promise<Buffer> {
  const tbs = sequence(
    context(0, true, integer(2)), // version v3
    integer(fields.serial),
    signer.algorithm,
    fields.issuer,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    fields.publicKey,
    context(3, true, sequence(...fields.extensions)),
  );
  return signStructure(tbs, signer);
}

/**
 * 126 random bits in 16 octets: the top bit clear keeps the INTEGER positive, the next one set
 * keeps its length fixed. CA/B Forum BR
 * §7.1 asks for ≥ 64 bits of CSPRNG output: it makes a leaf's TBS bytes unpredictable to
 * anyone who would attack the signature with a chosen-prefix collision.
 */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

export interface ParsedCertificate {
  readonly subject: Buffer;
  readonly publicKey: Buffer;
  /** The SubjectKeyIdentifier extension's value, when present. */
  readonly subjectKeyId: Buffer | null;
}

const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

export function parseCertificate(der: Buffer): ParsedCertificate {
  const [tbsElement] = childrenOf(der, readElement(der, 0));
  if (!tbsElement) throw new Error('malformed certificate');
  const fields = childrenOf(der, tbsElement);
  // The version field `[0]` is optional (absent means v1), which shifts every later field.
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[at + 4];
  const publicKey = fields[at + 5];
  if (!subject || !publicKey) throw new Error('malformed certificate');
  const extensions = fields.find((field) => field.tag === 0xa3);
  let subjectKeyId: Buffer | null = null;
  if (extensions) {
    const [list] = childrenOf(der, extensions);
    for (const ext of list ? childrenOf(der, list) : []) {
      const parts = childrenOf(der, ext);
      const oid = parts[0];
      const value = parts[parts.length - 1];
      if (!oid || !value || decodeObjectId(bytesOf(der, oid)) !== SUBJECT_KEY_IDENTIFIER) continue;
      const inner = bytesOf(der, value);
      subjectKeyId = bytesOf(inner, readElement(inner, 0));
    }
  }
  return { subject: bytesOf(der, subject, true), publicKey: bytesOf(der, publicKey, true), subjectKeyId };
}
