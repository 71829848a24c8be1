import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslAuthority } from '../../test/helpers/pki.ts';
import { authorityFromPem } from '../pki/authority.ts';
import { createRootAuthority } from '../pki/forge-issuer.ts';
import type { InterceptionCa } from './ca.ts';
import { LeafIssuer, normalizeLeafHost } from './leaf-issuer.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// Whole seconds: certificate times have no finer resolution.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const cas: Record<string, InterceptionCa> = {};
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-leaf-'));
  const [rsa, p256, p384] = await Promise.all([
    createRootAuthority({ name: { commonName: 'Leaf Issuer CA' }, notBefore: new Date(NOW - DAY_MS), notAfter: new Date(NOW + 30 * DAY_MS) }),
    opensslAuthority({ commonName: 'Leaf Issuer P-256 CA', key: 'P-256' }),
    opensslAuthority({ commonName: 'Leaf Issuer P-384 CA', key: 'P-384' }),
  ]);
  cas['RSA-2048 (node-forge)'] = authorityFromPem(rsa.certPem, rsa.keyPem);
  cas['EC P-256 (openssl)'] = authorityFromPem(p256.certPem, p256.keyPem);
  cas['EC P-384 (openssl)'] = authorityFromPem(p384.certPem, p384.keyPem);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const leafOf = (chainPem: string) => new X509Certificate(chainPem);
const CA_KINDS = ['RSA-2048 (node-forge)', 'EC P-256 (openssl)', 'EC P-384 (openssl)'];
const caOf = (kind: string): InterceptionCa => {
  const ca = cas[kind];
  if (!ca) throw new Error(`no CA ${kind}`);
  return ca;
};

describe('normalizeLeafHost', () => {
  it.each([
    ['API.OpenAI.com', 'api.openai.com'],
    ['api.openai.com.', 'api.openai.com'],
    ['_dmarc.example.test', '_dmarc.example.test'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::FFFF:10.0.0.1', '::ffff:a00:1'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeLeafHost(input)).toBe(expected);
  });

  it.each(['', 'a b.test', 'under..dots', '-lead.test', 'trail-.test', '127.1', '0x7f.1', '2130706433', 'fe80::1%eth0', 'x'.repeat(64) + '.test', 'a/b.test'])(
    'refuses %j', (input) => {
      expect(normalizeLeafHost(input)).toBeNull();
    });
});

describe.each(CA_KINDS)('LeafIssuer under a %s CA', (kind) => {
  it('issues a DNS leaf: SAN, serverAuth, backdated one hour, valid seven days, signed by the CA', async () => {
    const ca = caOf(kind);
    const issuer = new LeafIssuer(ca, { now: () => NOW });
    const leaf = await issuer.issue('API.OpenAI.test');
    const cert = leafOf(leaf.chainPem);
    expect(cert.subjectAltName).toBe('DNS:api.openai.test');
    expect(cert.subject).toContain('CN=api.openai.test');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.ca).toBe(false);
    expect(cert.validFromDate.getTime()).toBe(NOW - HOUR_MS);
    expect(cert.validToDate.getTime()).toBe(NOW + 7 * DAY_MS);
    expect(cert.verify(ca.certificate.publicKey)).toBe(true);
    expect(cert.checkIssued(ca.certificate)).toBe(true);
    expect(leaf.chainPem.endsWith(ca.chainPem)).toBe(true);
  });

  it('passes `openssl verify -purpose sslserver` against the CA', async () => {
    const ca = caOf(kind);
    const leaf = await new LeafIssuer(ca).issue('verify.example.test');
    const caFile = join(dir, `${kind}.ca.pem`);
    const leafFile = join(dir, `${kind}.leaf.pem`);
    await Promise.all([writeFile(caFile, ca.certPem), writeFile(leafFile, leaf.chainPem)]);
    const out = execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-x509_strict', '-CAfile', caFile, leafFile], { encoding: 'utf8' });
    expect(out.trim()).toBe(`${leafFile}: OK`);
  });

  it('puts an IP literal in an iPAddress SAN, IPv4 and IPv6', async () => {
    const issuer = new LeafIssuer(caOf(kind), { now: () => NOW });
    expect(leafOf((await issuer.issue('10.1.2.3')).chainPem).subjectAltName).toBe('IP Address:10.1.2.3');
    expect(leafOf((await issuer.issue('[2001:db8::7]')).chainPem).subjectAltName).toBe('IP Address:2001:DB8:0:0:0:0:0:7');
    expect(leafOf((await issuer.issue('::ffff:10.0.0.1')).chainPem).subjectAltName).toBe('IP Address:0:0:0:0:0:FFFF:A00:1');
  });

  it('reuses one key pair for every host and draws a fresh random serial of at least 64 bits each time', async () => {
    const issuer = new LeafIssuer(caOf(kind), { now: () => NOW });
    const certs = await Promise.all(['a.test', 'b.test', 'a.test', '192.0.2.1'].map(async (host) => leafOf((await issuer.issue(host)).chainPem)));
    const keys = new Set(certs.map((cert) => cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex')));
    expect(keys.size).toBe(1);
    expect(new Set(certs.map((cert) => cert.serialNumber)).size).toBe(4);
    for (const cert of certs) expect(BigInt(`0x${cert.serialNumber}`) >= 2n ** 64n).toBe(true);
    expect(certs[0]?.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('never lets a leaf outlive its CA', async () => {
    const ca = caOf(kind);
    const caEnd = ca.certificate.validToDate.getTime();
    const cert = leafOf((await new LeafIssuer(ca, { now: () => caEnd - 2 * DAY_MS }).issue('late.test')).chainPem);
    expect(cert.validToDate.getTime()).toBe(caEnd);
  });

  it('leaves the CN out of a name longer than 64 characters and keeps it in the SAN', async () => {
    const issuer = new LeafIssuer(caOf(kind), { now: () => NOW });
    const host = `${'a'.repeat(60)}.example.test`;
    const cert = leafOf((await issuer.issue(host)).chainPem);
    expect(cert.subject).not.toContain('CN=');
    expect(cert.subjectAltName).toBe(`DNS:${host}`);
  });

  it('refuses an invalid host', async () => {
    await expect(new LeafIssuer(caOf(kind)).issue('not a host')).rejects.toThrow(/not a DNS name or IP address/);
  });
});
