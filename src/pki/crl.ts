// A certificate revocation list (RFC 5280 §5), signed by the CA that issued the certificates it
// lists. `listen.proxy.tls.crl` takes its PEM; Node hands it to OpenSSL, which then fails a
// listed client certificate with CERT_REVOKED. node-forge cannot write CRLs: the structure is
// @peculiar/asn1-x509's and the signature Node's.
import { AsnConvert, AsnIntegerBigIntConverter } from '@peculiar/asn1-schema';
import { CertificateList, RevokedCertificate, TBSCertList, Time, Version } from '@peculiar/asn1-x509';
import type { CertificateAuthority } from './authority.ts';
import { authorityKeyIdentifier, crlNumber } from './extensions.ts';
import { signNative } from './keys.ts';
import { toPem } from './pem.ts';

export interface Revocation {
  /** Serial number as hex (as `X509Certificate.serialNumber` gives it). */
  readonly serial: string;
  readonly revokedAt: Date;
}

export interface CrlOptions {
  readonly revoked: readonly Revocation[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Monotonic CRL number (RFC 5280 §5.2.3). */
  readonly number: number;
}

/** PEM `X509 CRL`. */
export async function createCrl(ca: CertificateAuthority, options: CrlOptions): Promise<string> {
  const tbsCertList = new TBSCertList({
    version: Version.v2, // required once crlExtensions are present (§5.1.2.1)
    signature: ca.signer.algorithm,
    issuer: ca.subject,
    thisUpdate: new Time(options.thisUpdate),
    nextUpdate: new Time(options.nextUpdate),
    // An empty revokedCertificates must be omitted, not written as an empty SEQUENCE (§5.1.2.6).
    ...(options.revoked.length > 0 ? {
      revokedCertificates: options.revoked.map((entry) =>
        new RevokedCertificate({ userCertificate: serialNumber(entry.serial), revocationDate: new Time(entry.revokedAt) })),
    } : {}),
    crlExtensions: [...(ca.keyId ? [authorityKeyIdentifier(ca.keyId)] : []), crlNumber(options.number)],
  });
  const signature = await signNative(new Uint8Array(AsnConvert.serialize(tbsCertList)), ca.signer);
  const list = new CertificateList({ tbsCertList, signatureAlgorithm: ca.signer.algorithm, signature: new Uint8Array(signature).buffer });
  return toPem('X509 CRL', new Uint8Array(AsnConvert.serialize(list)));
}

/** The INTEGER content octets (X.690 §8.3, two's complement) of a serial given as the hex of its positive value. */
function serialNumber(hex: string): ArrayBuffer {
  return new Uint8Array(AsnIntegerBigIntConverter.toASN(BigInt(`0x${hex}`)).valueBlock.valueHexView).buffer;
}
