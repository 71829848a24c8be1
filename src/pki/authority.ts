// A certificate authority: its certificate, its signing key, and issuing under it. Used by the
// dev PKI, the test PKI and the interception leaf issuer alike, so every certificate Portcullis
// makes is built and signed the same way.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { parseCertificate, randomSerial, signCertificate } from './certificate.ts';
import {
  EXT_KEY_USAGE, KEY_USAGE, authorityKeyIdentifier, basicConstraints, distinguishedName, extendedKeyUsage,
  keyIdentifier, keyUsage, subjectAltName, subjectKeyIdentifier, type AltName, type NameParts,
} from './extensions.ts';
import { newKeyPair, privateKeyPem, signerFor, spkiDer, type KeyType, type Signer } from './keys.ts';
import { pemBlocks, toPem } from './pem.ts';

export interface CertificateAuthority {
  /** The CA certificate, PEM. */
  readonly certPem: string;
  /** The CA certificate and any certificates after it in its file (intermediates), PEM. */
  readonly chainPem: string;
  readonly certificate: X509Certificate;
  /** DER of the CA's subject Name: the issuer of everything it signs. */
  readonly subject: Buffer;
  /** Its SubjectKeyIdentifier, echoed as the AuthorityKeyIdentifier of what it signs. */
  readonly keyId: Buffer | null;
  readonly signer: Signer;
}

/** Checks that the certificate is a CA and that the key is its key; throws a readable Error. */
export function authorityFromPem(certPem: string, keyPem: string): CertificateAuthority {
  const blocks = pemBlocks(certPem, 'CERTIFICATE');
  const first = blocks[0];
  if (!first) throw new Error('no PEM CERTIFICATE block found');
  const certificate = new X509Certificate(first);
  if (!certificate.ca) throw new Error(`certificate '${certificate.subject}' is not a CA (basicConstraints CA:TRUE missing)`);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new Error(`private key is not readable: ${(error as Error).message}`, { cause: error });
  }
  if (!certificate.checkPrivateKey(key)) throw new Error(`private key does not belong to certificate '${certificate.subject}'`);
  const parsed = parseCertificate(first);
  return {
    certPem: toPem('CERTIFICATE', first),
    chainPem: blocks.map((der) => toPem('CERTIFICATE', der)).join(''),
    certificate,
    subject: parsed.subject,
    keyId: parsed.subjectKeyId,
    signer: signerFor(key),
  };
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface NewAuthorityOptions extends Validity {
  readonly name: NameParts;
  readonly keyType?: KeyType;
  /** Signs the new CA instead of self-signing it (an intermediate). */
  readonly parent?: CertificateAuthority;
}

/** A new CA and its private key (PEM, PKCS#8). */
export async function createAuthority(options: NewAuthorityOptions): Promise<{ authority: CertificateAuthority; keyPem: string }> {
  const { privateKey, publicKey } = await newKeyPair(options.keyType);
  const spki = spkiDer(publicKey);
  const keyId = keyIdentifier(spki);
  const subject = distinguishedName(options.name);
  const parent = options.parent;
  const der = await signCertificate({
    serial: randomSerial(),
    issuer: parent ? parent.subject : subject,
    subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: spki,
    extensions: [
      basicConstraints(true, parent ? 0 : undefined),
      keyUsage(KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign),
      subjectKeyIdentifier(keyId),
      ...(parent?.keyId ? [authorityKeyIdentifier(parent.keyId)] : []),
    ],
  }, parent ? parent.signer : signerFor(privateKey));
  const keyPem = privateKeyPem(privateKey);
  return { authority: authorityFromPem(toPem('CERTIFICATE', der), keyPem), keyPem };
}

export type Purpose = 'server' | 'client';

export interface EndEntityOptions extends Validity {
  readonly name: NameParts;
  readonly altNames: readonly AltName[];
  readonly purpose: Purpose;
  /** The subject's public key (a KeyObject or DER SubjectPublicKeyInfo). */
  readonly publicKey: KeyObject | Buffer;
  /** Defaults to a fresh random serial. */
  readonly serial?: Buffer;
}

/** A TLS server or client certificate signed by `ca`, PEM. */
export async function issueEndEntity(ca: CertificateAuthority, options: EndEntityOptions): Promise<string> {
  const spki = Buffer.isBuffer(options.publicKey) ? options.publicKey : spkiDer(options.publicKey);
  // RSA keys also encipher the TLS 1.2 RSA key exchange's premaster secret (RFC 5246 §7.4.2).
  const usages = createPublicKey({ key: spki, format: 'der', type: 'spki' }).asymmetricKeyType === 'rsa'
    ? KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment
    : KEY_USAGE.digitalSignature;
  const der = await signCertificate({
    serial: options.serial ?? randomSerial(),
    issuer: ca.subject,
    subject: distinguishedName(options.name),
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: spki,
    extensions: [
      basicConstraints(false),
      keyUsage(usages),
      extendedKeyUsage(options.purpose === 'server' ? EXT_KEY_USAGE.serverAuth : EXT_KEY_USAGE.clientAuth),
      // GeneralNames is SIZE (1..MAX): a CN-only client certificate has no SAN extension at all.
      ...(options.altNames.length > 0 ? [subjectAltName(options.altNames)] : []),
      ...(ca.keyId ? [authorityKeyIdentifier(ca.keyId)] : []),
    ],
  }, ca.signer);
  return toPem('CERTIFICATE', der);
}

/** A fresh key pair and a certificate for it: `{ certPem, keyPem }`. */
export async function issueWithNewKey(
  ca: CertificateAuthority,
  options: Omit<EndEntityOptions, 'publicKey'> & { readonly keyType?: KeyType },
): Promise<{ certPem: string; keyPem: string }> {
  const { privateKey, publicKey } = await newKeyPair(options.keyType);
  return { certPem: await issueEndEntity(ca, { ...options, publicKey }), keyPem: privateKeyPem(privateKey) };
}
