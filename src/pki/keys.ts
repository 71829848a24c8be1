// Signing keys and the signature algorithm each CA key type implies. Signing is Node's native
// `crypto.sign` with a callback, which runs on the libuv thread pool: a leaf or CRL signature
// never blocks the event loop, whatever the CA's key type.
import { sign, type KeyObject } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

export interface Signer {
  readonly key: KeyObject;
  /** Node digest name for `crypto.sign`. */
  readonly hash: string;
  /** Written into the certificate or CRL, twice (inside and outside the signed part). */
  readonly algorithm: AlgorithmIdentifier;
  /** For messages: `ecdsa-with-SHA256`, `sha256WithRSAEncryption`… */
  readonly name: string;
}

// RFC 5758 §3.2: ECDSA signature algorithms carry no parameters. The digest follows the curve so
// that an EC CA's signature is as strong as its key.
const EC_SIGNATURES: Readonly<Record<string, { hash: string; oid: string; name: string }>> = {
  prime256v1: { hash: 'sha256', oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256' },
  secp384r1: { hash: 'sha384', oid: '1.2.840.10045.4.3.3', name: 'ecdsa-with-SHA384' },
  secp521r1: { hash: 'sha512', oid: '1.2.840.10045.4.3.4', name: 'ecdsa-with-SHA512' },
};
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** Throws a readable error for key types a CA cannot use here (RSA-PSS, Ed25519, DSA, other curves). */
export function signerFor(key: KeyObject): Signer {
  if (key.type !== 'private') throw new Error('a signing key must be a private key');
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA key of ${bits} bits is too weak to sign certificates (need ≥ 2048)`);
    // RFC 4055 §5: PKCS#1 v1.5 signature algorithms carry NULL parameters (`null` encodes NULL).
    const algorithm = new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: null });
    return { key, hash: 'sha256', algorithm, name: 'sha256WithRSAEncryption' };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const spec = EC_SIGNATURES[curve];
    if (!spec) throw new Error(`EC curve '${curve}' is not supported for signing (use P-256, P-384 or P-521)`);
    return { key, hash: spec.hash, algorithm: new AlgorithmIdentifier({ algorithm: spec.oid }), name: spec.name };
  }
  throw new Error(`key type '${key.asymmetricKeyType}' is not supported for signing (use RSA or EC)`);
}

/** The signature over `data`: PKCS#1 v1.5 for RSA, DER `Ecdsa-Sig-Value` for EC, as X.509 wants. */
export function signNative(data: Uint8Array, signer: Signer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(signer.hash, data, signer.key, (error, signature) => {
      if (error) reject(error);
      else resolve(signature);
    });
  });
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}
