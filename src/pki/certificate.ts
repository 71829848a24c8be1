// An X.509 v3 certificate (RFC 5280 §4.1) from its fields, encoded by @peculiar/asn1-x509 and
// signed natively; and the fields of an existing CA certificate that issuing under it needs.
import { randomBytes } from 'node:crypto';
import { AsnConvert, AsnSerializer, type IAsnConvertible } from '@peculiar/asn1-schema';
import {
  AttributeTypeAndValue, AttributeValue, Certificate, Extension, Extensions, Name, RelativeDistinguishedName,
  SubjectKeyIdentifier, SubjectPublicKeyInfo, TBSCertificate, Validity, Version, id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { signNative, type Signer } from './keys.ts';
import { nameAttributes, type NameParts, type ValidityPeriod } from './names.ts';

export interface CertificateFields extends ValidityPeriod {
  /** Positive, big-endian, minimal; see `randomSerial`. */
  readonly serial: Uint8Array;
  /** Must be the CA certificate's subject as read by `readAuthorityFields`. */
  readonly issuer: Name;
  readonly subject: Name;
  readonly publicKey: SubjectPublicKeyInfo;
  readonly extensions: readonly Extension[];
}

/** The certificate's DER. */
export async function signCertificate(fields: CertificateFields, signer: Signer): Promise<Buffer> {
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(fields.serial).buffer,
    signature: signer.algorithm,
    issuer: fields.issuer,
    // Time picks UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds (§4.1.2.5).
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: fields.subject,
    subjectPublicKeyInfo: fields.publicKey,
    extensions: new Extensions([...fields.extensions]),
  });
  const tbs = AsnSerializer.toASN(tbsCertificate);
  const signature = await signNative(new Uint8Array(tbs.toBER(false)), signer);
  const certificate = new Certificate({
    tbsCertificate: new Encoded(tbs) as unknown as TBSCertificate,
    signatureAlgorithm: signer.algorithm,
    signatureValue: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(certificate));
}

type AsnTree = ReturnType<typeof AsnSerializer.toASN>;

/**
 * A structure already turned into its ASN.1 tree. asn1-schema serialises any IAsnConvertible
 * through its `toASN()`, so the Certificate reuses the tree whose bytes were signed instead of
 * walking the TBSCertificate schema a second time: a third of a leaf's encoding time.
 */
class Encoded implements IAsnConvertible<AsnTree> {
  readonly #tree: AsnTree;

  constructor(tree: AsnTree) {
    this.#tree = tree;
  }

  toASN(): AsnTree {
    return this.#tree;
  }

  fromASN(): this {
    throw new Error('an encoded structure is written, never parsed');
  }

  toSchema(): never {
    throw new Error('an encoded structure is written, never parsed');
  }
}

/** A Name of UTF8String values, `O` then `CN`. */
export function subjectName(parts: NameParts): Name {
  return new Name(nameAttributes(parts).map(({ type, value }) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })])));
}

/** DER SubjectPublicKeyInfo (as `KeyObject.export({ type: 'spki', format: 'der' })` gives it) in schema form. */
export function publicKeyInfo(spki: Uint8Array): SubjectPublicKeyInfo {
  return AsnConvert.parse(spki, SubjectPublicKeyInfo);
}

/**
 * 126 random bits in 16 octets: the top bit clear keeps the INTEGER positive, the next one set
 * keeps it minimal and its length fixed. CA/B Forum BR §7.1 asks for ≥ 64 bits of CSPRNG output:
 * it makes a leaf's TBS bytes unpredictable to anyone who would attack the signature with a
 * chosen-prefix collision.
 */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

export interface AuthorityFields {
  /** The issuer of everything the CA signs; re-encodes to the same bytes as in its certificate. */
  readonly subject: Name;
  /** The SubjectKeyIdentifier extension's value, when present. */
  readonly keyId: Buffer | null;
}

export function readAuthorityFields(der: Uint8Array): AuthorityFields {
  const { tbsCertificate } = AsnConvert.parse(der, Certificate);
  const ski = tbsCertificate.extensions?.find((ext) => ext.extnID === id_ce_subjectKeyIdentifier);
  const keyId = ski ? Buffer.from(AsnConvert.parse(ski.extnValue, SubjectKeyIdentifier).buffer) : null;
  return { subject: tbsCertificate.subject, keyId };
}
