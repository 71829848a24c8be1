import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslAuthority } from '../../test/helpers/pki.ts';
import { authorityFromPem, type CertificateAuthority } from './authority.ts';
import { createCrl } from './crl.ts';
import { createRootAuthority } from './forge-issuer.ts';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2031-03-04T05:06:07Z');
const cas: Record<string, CertificateAuthority> = {};
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-crl-'));
  const [rsa, ec] = await Promise.all([
    createRootAuthority({ name: { commonName: 'CRL RSA CA' }, notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + DAY_MS) }),
    opensslAuthority({ commonName: 'CRL EC CA' }),
  ]);
  cas.rsa = authorityFromPem(rsa.certPem, rsa.keyPem);
  cas.ec = authorityFromPem(ec.certPem, ec.keyPem);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `openssl crl -text`, checking the signature against the CA: stdout, and stderr's verdict. */
async function opensslCrl(kind: string, pem: string): Promise<{ text: string; verdict: string }> {
  const ca = cas[kind];
  if (!ca) throw new Error(`no CA ${kind}`);
  const crlFile = join(dir, `${kind}.crl`);
  const caFile = join(dir, `${kind}.crt`);
  await Promise.all([writeFile(crlFile, pem), writeFile(caFile, ca.certPem)]);
  const result = spawnSync('openssl', ['crl', '-noout', '-text', '-in', crlFile, '-CAfile', caFile], { encoding: 'utf8' });
  return { text: result.stdout, verdict: result.stderr.trim() };
}

describe.each(['rsa', 'ec'])('createCrl with an %s CA', (kind) => {
  it('lists the revoked serials, signed so that OpenSSL verifies it', async () => {
    const ca = cas[kind] as CertificateAuthority;
    const pem = await createCrl(ca, {
      // A serial whose top bit is set must still read back as the same positive number.
      revoked: [{ serial: '4F01A2', revokedAt: new Date(NOW - 60_000) }, { serial: '80AB12', revokedAt: new Date(NOW) }],
      thisUpdate: new Date(NOW - DAY_MS),
      nextUpdate: new Date(NOW + 7 * DAY_MS),
      number: 42,
    });
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const { text, verdict } = await opensslCrl(kind, pem);
    expect(verdict).toBe('verify OK');
    expect(text).toContain('Serial Number: 4F01A2');
    expect(text).toContain('Serial Number: 80AB12');
    expect(text).toMatch(/X509v3 CRL Number: \n\s+42/);
    expect(text).toContain('Next Update: Mar 11 05:06:07 2031 GMT');
    expect(text).toContain(`Signature Algorithm: ${ca.signer.name}`);
  });

  it('omits the revoked list when nothing is revoked', async () => {
    const pem = await createCrl(cas[kind] as CertificateAuthority, {
      revoked: [], thisUpdate: new Date(NOW), nextUpdate: new Date(NOW + DAY_MS), number: 1,
    });
    const { text, verdict } = await opensslCrl(kind, pem);
    expect(verdict).toBe('verify OK');
    expect(text).toContain('No Revoked Certificates.');
  });
});
