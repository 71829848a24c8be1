import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslAuthority } from '../../test/helpers/pki.ts';
import { createRootAuthority, issueWithNewKey } from '../pki/forge-issuer.ts';
import { pemBlocks } from '../pki/pem.ts';
import { InterceptionCaError, loadInterceptionCa } from './ca.ts';

const DAY_MS = 86_400_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-ca-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(name: string, cert: string, key: string) {
  const paths = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await Promise.all([writeFile(paths.cert, cert), writeFile(paths.key, key)]);
  return paths;
}

const validity = () => ({ notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + DAY_MS) });
const forgeCa = (commonName: string) => createRootAuthority({ name: { commonName }, ...validity() });

describe('loadInterceptionCa', () => {
  it('loads an EC CA from openssl, picks ECDSA with the curve\'s digest and reads its subject and key identifier', async () => {
    for (const [key, name] of [['P-256', 'ecdsa-with-SHA256'], ['P-384', 'ecdsa-with-SHA384']] as const) {
      const made = await opensslAuthority({ commonName: `EC ${key}`, key });
      const ca = await loadInterceptionCa(await files(`ec-${key}`, made.certPem, made.keyPem));
      expect(ca.signer.name).toBe(name);
      // RFC 5280 §4.2.1.2 method (1), as openssl's `subjectKeyIdentifier = hash` computes it: SHA-1 of the EC point.
      const { x = '', y = '' } = ca.certificate.publicKey.export({ format: 'jwk' });
      const point = Buffer.concat([Buffer.from([4]), Buffer.from(x, 'base64url'), Buffer.from(y, 'base64url')]);
      expect(ca.keyId).toEqual(createHash('sha1').update(point).digest());
      // The issuer of every leaf must re-encode to the CA's subject byte for byte (PrintableString C, UTF8String O and CN).
      const [der = Buffer.alloc(0)] = pemBlocks(made.certPem, 'CERTIFICATE');
      expect(der.includes(Buffer.from(AsnConvert.serialize(ca.subject)))).toBe(true);
      expect(ca.certificate.subject).toBe(`C=US\nO=Portcullis tests\nCN=EC ${key}`);
    }
  });

  it('loads the RSA CA the dev PKI makes', async () => {
    const authority = await forgeCa('CA rsa');
    const ca = await loadInterceptionCa(await files('ok-rsa', authority.certPem, authority.keyPem));
    expect(ca.certificate.fingerprint256).toBe(new X509Certificate(authority.certPem).fingerprint256);
    expect(ca.certificate.subject).toBe('CN=CA rsa');
    expect(ca.signer.name).toBe('sha256WithRSAEncryption');
    expect(ca.keyId?.toString('hex')).toBe(authority.cert.generateSubjectKeyIdentifier().toHex());
  });

  it('keeps intermediates that follow the CA in its file for the chain', async () => {
    const root = await opensslAuthority({ commonName: 'Root' });
    const intermediate = await opensslAuthority({ commonName: 'Intermediate', parent: root });
    const ca = await loadInterceptionCa(await files('chain', intermediate.certPem + root.certPem, intermediate.keyPem));
    expect(ca.certificate.subject).toContain('CN=Intermediate');
    expect(ca.certificate.checkIssued(new X509Certificate(root.certPem))).toBe(true);
    expect(ca.chainPem).toBe(intermediate.certPem + root.certPem);
  });

  it('names the file it cannot read', async () => {
    const missing = { cert: join(dir, 'nope.crt'), key: join(dir, 'nope.key') };
    await expect(loadInterceptionCa(missing)).rejects.toThrow(new RegExp(`cannot read interception CA certificate ${missing.cert}`));
  });

  it('refuses a certificate that is not a CA', async () => {
    const authority = await forgeCa('Issuer');
    const leaf = await issueWithNewKey(authority, { name: { commonName: 'leaf.test' }, altNames: [{ dns: 'leaf.test' }], purpose: 'server', ...validity() });
    await expect(loadInterceptionCa(await files('leaf', leaf.certPem, leaf.keyPem))).rejects.toThrow(/is not a CA/);
  });

  it('refuses a key that is not the certificate\'s', async () => {
    const authority = await forgeCa('Mine');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(loadInterceptionCa(await files('mismatch', authority.certPem, other))).rejects.toThrow(/does not belong to certificate/);
  });

  it('refuses a key it cannot sign with, saying why', async () => {
    const k1 = await opensslAuthority({ commonName: 'K1 CA', key: 'secp256k1' });
    const error = await loadInterceptionCa(await files('k1', k1.certPem, k1.keyPem)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterceptionCaError);
    expect((error as Error).message).toMatch(/EC curve 'secp256k1' is not supported/);
  });

  it('refuses a CA outside its validity period', async () => {
    const authority = await forgeCa('Old');
    const paths = await files('old', authority.certPem, authority.keyPem);
    await expect(loadInterceptionCa(paths, () => Date.now() + 2 * DAY_MS)).rejects.toThrow(/is not valid now/);
  });
});
