// Certificates built and signed by node-forge: the development PKI (`certs init`, `certs agent`)
// and the per-run test PKI. node-forge's certificate model holds RSA keys only, so these are
// RSA-2048 throughout. forge generates the keys with Node's native generateKeyPair and signs in
// JavaScript (~20–30 ms a certificate): fine for certificates made once, not for interception
// leaves (see src/intercept/leaf-issuer.ts).
import forge from 'node-forge';
import { checkAuthorityPair } from './authority.ts';
import { randomSerial } from './certificate.ts';
import { nameAttributes, type AltName, type NameParts, type ValidityPeriod } from './names.ts';

export interface ForgeAuthority {
  readonly certPem: string;
  /** PKCS#8. */
  readonly keyPem: string;
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

export interface RootAuthorityOptions extends ValidityPeriod {
  readonly name: NameParts;
}

/** A self-signed CA and its key. */
export async function createRootAuthority(options: RootAuthorityOptions): Promise<ForgeAuthority> {
  const keys = await generateKeyPair();
  const cert = newCertificate(keys.publicKey, options.name, options);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    // forge derives it by RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: certificatePem(cert), keyPem: pkcs8Pem(keys.privateKey), cert, key: keys.privateKey };
}

/** A CA from its files' contents; throws a readable Error when it is no CA, not its key, or not RSA. */
export function forgeAuthorityFromPem(certPem: string, keyPem: string): ForgeAuthority {
  const { key } = checkAuthorityPair(certPem, keyPem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the CA key is ${key.asymmetricKeyType}; node-forge signs with RSA keys only`);
  return {
    certPem,
    keyPem,
    cert: forge.pki.certificateFromPem(certPem),
    key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey,
  };
}

export type Purpose = 'server' | 'client';

export interface EndEntityOptions extends ValidityPeriod {
  readonly name: NameParts;
  readonly altNames: readonly AltName[];
  readonly purpose: Purpose;
}

/** A fresh key pair and a TLS server or client certificate for it, signed by `ca`. */
export async function issueWithNewKey(ca: ForgeAuthority, options: EndEntityOptions): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = newCertificate(keys.publicKey, options.name, options);
  cert.setIssuer(ca.cert.subject.attributes);
  const caKeyId = (ca.cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined)?.subjectKeyIdentifier;
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    // RSA keys also encipher the TLS 1.2 RSA key exchange's premaster secret (RFC 5246 §7.4.2).
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', [options.purpose === 'server' ? 'serverAuth' : 'clientAuth']: true },
    // GeneralNames is SIZE (1..MAX): a CN-only client certificate has no SAN extension at all.
    ...(options.altNames.length > 0 ? [{ name: 'subjectAltName', altNames: options.altNames.map(generalName) }] : []),
    ...(caKeyId ? [{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caKeyId) }] : []),
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { certPem: certificatePem(cert), keyPem: pkcs8Pem(keys.privateKey) };
}

/** Native key generation under forge's API (it uses `crypto.generateKeyPair` whenever Node has it). */
function generateKeyPair(): Promise<forge.pki.rsa.KeyPair> {
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 }, (error, keys) => (error ? reject(error) : resolve(keys)));
  });
}

// @types/node-forge types `valueTagClass` as an asn1.Class; forge reads it as the value's
// universal type. UTF8String, because PrintableString (forge's default) has no `_` or `@`.
const UTF8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;

function newCertificate(publicKey: forge.pki.rsa.PublicKey, name: NameParts, validity: ValidityPeriod): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerial().toString('hex');
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
  cert.setSubject(nameAttributes(name).map(({ type, value }) => ({ type, value, valueTagClass: UTF8 })));
  return cert;
}

// GeneralName CHOICE tags (RFC 5280 §4.2.1.6): [2] dNSName, [6] uniformResourceIdentifier, [7] iPAddress.
function generalName(name: AltName): { type: number; value?: string; ip?: string } {
  if ('dns' in name) return { type: 2, value: name.dns };
  if ('uri' in name) return { type: 6, value: name.uri };
  return { type: 7, ip: name.ip };
}

function pkcs8Pem(key: forge.pki.rsa.PrivateKey): string {
  return lf(forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key))));
}

function certificatePem(cert: forge.pki.Certificate): string {
  return lf(forge.pki.certificateToPem(cert));
}

/** forge writes CRLF line ends; every other PEM here, Node's and OpenSSL's, has LF. */
function lf(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}
