// A CA loaded from PEM for native signing: its certificate, its signing key, and the fields of
// its certificate that what it signs must echo. The interception CA (RSA or EC, the operator's
// or the dev PKI's) signs leaves this way, and the test PKI's agent CA signs its CRL.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Name } from '@peculiar/asn1-x509';
import { readAuthorityFields } from './certificate.ts';
import { signerFor, type Signer } from './keys.ts';
import { pemBlocks, toPem } from './pem.ts';

export interface CertificateAuthority {
  /** The CA certificate, PEM. */
  readonly certPem: string;
  /** The CA certificate and any certificates after it in its file (intermediates), PEM. */
  readonly chainPem: string;
  readonly certificate: X509Certificate;
  /** The CA's subject Name: the issuer of everything it signs. */
  readonly subject: Name;
  /** Its SubjectKeyIdentifier, echoed as the AuthorityKeyIdentifier of what it signs. */
  readonly keyId: Buffer | null;
  readonly signer: Signer;
}

/** Checks that the first certificate is a CA and that the key is its key; throws a readable Error. */
export function checkAuthorityPair(certPem: string, keyPem: string): { der: Buffer; certificate: X509Certificate; key: KeyObject } {
  const [der] = pemBlocks(certPem, 'CERTIFICATE');
  if (!der) throw new Error('no PEM CERTIFICATE block found');
  const certificate = new X509Certificate(der);
  if (!certificate.ca) throw new Error(`certificate '${certificate.subject}' is not a CA (basicConstraints CA:TRUE missing)`);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new Error(`private key is not readable: ${(error as Error).message}`, { cause: error });
  }
  if (!certificate.checkPrivateKey(key)) throw new Error(`private key does not belong to certificate '${certificate.subject}'`);
  return { der, certificate, key };
}

export function authorityFromPem(certPem: string, keyPem: string): CertificateAuthority {
  const { der, certificate, key } = checkAuthorityPair(certPem, keyPem);
  const signer = signerFor(key);
  const { subject, keyId } = readAuthorityFields(der);
  return {
    certPem: toPem('CERTIFICATE', der),
    chainPem: pemBlocks(certPem, 'CERTIFICATE').map((block) => toPem('CERTIFICATE', block)).join(''),
    certificate,
    subject,
    keyId,
    signer,
  };
}
