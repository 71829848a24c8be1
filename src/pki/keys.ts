// Key pairs and the signature algorithm each CA key type implies. Signing is Node's native
// `crypto.sign` with a callback, which runs on the libuv thread pool: a certificate signature
// never blocks the event loop, whatever the key type.
import { generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { NULL, bitString, objectId, sequence } from './der.ts';

export type KeyType = 'ec' | 'rsa';

const generate = promisify(generateKeyPair);

/** EC P-256 unless asked for RSA-2048 (for CAs an operator's older tooling insists on). */
export async function newKeyPair(type: KeyType = 'ec'): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (type === 'rsa') return generate('rsa', { modulusLength: 2048 });
  return generate('ec', { namedCurve: 'P-256' });
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

export interface Signer {
  readonly key: KeyObject;
  /** Node digest name for `crypto.sign`. */
  readonly hash: string;
  /** DER AlgorithmIdentifier written into the certificate or CRL. */
  readonly algorithm: Buffer;
  /** For messages: `ecdsa-with-SHA256`, `sha256WithRSAEncryption`… */
  readonly name: string;
}

// RFC 5758 §3.2 (ECDSA: no parameters) and RFC 4055 §5 (RSA PKCS#1 v1.5: NULL parameters).
// The digest follows the curve so that an EC CA's signature is as strong as its key.
const EC_SIGNATURES: Readonly<Record<string, { hash: string; oid: string; name: string }>> = {
  prime256v1: { hash: 'sha256', oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256' },
  secp384r1: { hash: 'sha384', oid: '1.2.840.10045.4.3.3', name: 'ecdsa-with-SHA384' },
  secp521r1: { hash: 'sha512', oid: '1.2.840.10045.4.3.4', name: 'ecdsa-with-SHA512' },
};

/** Throws a readable error for key types a CA cannot use here (RSA-PSS, Ed25519, DSA, other curves). */
export function signerFor(key: KeyObject): Signer {
  if (key.type !== 'private') throw new Error('a signing key must be a private key');
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA key of ${bits} bits is too weak to sign certificates (need ≥ 2048)`);
    return { key, hash: 'sha256', algorithm: sequence(objectId('1.2.840.113549.1.1.11'), NULL), name: 'sha256WithRSAEncryption' };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const spec = EC_SIGNATURES[curve];
    if (!spec) throw new Error(`EC curve '${curve}' is not supported for signing (use P-256, P-384 or P-521)`);
    return { key, hash: spec.hash, algorithm: sequence(objectId(spec.oid)), name: spec.name };
  }
  throw new Error(`key type '${key.asymmetricKeyType}' is not supported for signing (use RSA or EC)`);
}

/** `tbs` signed, wrapped as RFC 5280's `SEQUENCE { tbs, algorithm, BIT STRING signature }`. */
export function signStructure(tbs: Buffer, signer: Signer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(signer.hash, tbs, signer.key, (error, signature) => {
      if (error) reject(error);
      else resolve(sequence(tbs, signer.algorithm, bitString(signature)));
    });
  });
}
