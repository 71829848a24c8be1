import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueWithNewKey } from '../pki/authority.ts';
import { randomSerial, signCertificate } from '../pki/certificate.ts';
import { KEY_USAGE, basicConstraints, distinguishedName, keyUsage } from '../pki/extensions.ts';
import { privateKeyPem, spkiDer } from '../pki/keys.ts';
import { toPem } from '../pki/pem.ts';
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

describe('loadInterceptionCa', () => {
  it.each(['ec', 'rsa'] as const)('loads a %s CA and picks its signature algorithm', async (keyType) => {
    const { authority, keyPem } = await createAuthority({ name: { commonName: `CA ${keyType}` }, keyType, ...validity() });
    const ca = await loadInterceptionCa(await files(`ok-${keyType}`, authority.certPem, keyPem));
    expect(ca.certificate.fingerprint256).toBe(authority.certificate.fingerprint256);
    expect(ca.signer.name).toBe(keyType === 'ec' ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption');
    expect(ca.keyId).toEqual(authority.keyId);
  });

  it('keeps intermediates that follow the CA in its file for the chain', async () => {
    const root = await createAuthority({ name: { commonName: 'Root' }, ...validity() });
    const intermediate = await createAuthority({ name: { commonName: 'Intermediate' }, parent: root.authority, ...validity() });
    const ca = await loadInterceptionCa(await files('chain', intermediate.authority.certPem + root.authority.certPem, intermediate.keyPem));
    expect(ca.certificate.subject).toBe('CN=Intermediate');
    expect(ca.chainPem).toBe(intermediate.authority.certPem + root.authority.certPem);
  });

  it('names the file it cannot read', async () => {
    const missing = { cert: join(dir, 'nope.crt'), key: join(dir, 'nope.key') };
    await expect(loadInterceptionCa(missing)).rejects.toThrow(new RegExp(`cannot read interception CA certificate ${missing.cert}`));
  });

  it('refuses a certificate that is not a CA', async () => {
    const { authority } = await createAuthority({ name: { commonName: 'Issuer' }, ...validity() });
    const leaf = await issueWithNewKey(authority, { name: { commonName: 'leaf.test' }, altNames: [{ dns: 'leaf.test' }], purpose: 'server', ...validity() });
    await expect(loadInterceptionCa(await files('leaf', leaf.certPem, leaf.keyPem))).rejects.toThrow(/is not a CA/);
  });

  it('refuses a key that is not the certificate\'s', async () => {
    const { authority } = await createAuthority({ name: { commonName: 'Mine' }, ...validity() });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(loadInterceptionCa(await files('mismatch', authority.certPem, other))).rejects.toThrow(/does not belong to certificate/);
  });

  it('refuses a key it cannot sign with, saying why', async () => {
    // A CA certificate for a secp256k1 key, signed by a parent: well-formed, but not a curve we sign with.
    const parent = await createAuthority({ name: { commonName: 'Parent' }, ...validity() });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const der = await signCertificate({
      serial: randomSerial(),
      issuer: parent.authority.subject,
      subject: distinguishedName({ commonName: 'K1 CA' }),
      ...validity(),
      publicKey: spkiDer(publicKey),
      extensions: [basicConstraints(true), keyUsage(KEY_USAGE.keyCertSign)],
    }, parent.authority.signer);
    const paths = await files('k1', toPem('CERTIFICATE', der), privateKeyPem(privateKey));
    const error = await loadInterceptionCa(paths).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterceptionCaError);
    expect((error as Error).message).toMatch(/EC curve 'secp256k1' is not supported/);
  });

  it('refuses a CA outside its validity period', async () => {
    const { authority, keyPem } = await createAuthority({ name: { commonName: 'Old' }, ...validity() });
    const paths = await files('old', authority.certPem, keyPem);
    await expect(loadInterceptionCa(paths, () => Date.now() + 2 * DAY_MS)).rejects.toThrow(/is not valid now/);
  });
});
