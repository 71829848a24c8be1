import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type PemPair, type TestPki } from './pki.ts';

let pki: TestPki;
let proxy: Server;
let proxyPort: number;

interface Verdict {
  readonly authorized: boolean;
  readonly error: string | null;
}

beforeAll(async () => {
  pki = await makeTestPki({ upstreamHosts: ['api.openai.test', '127.0.0.1'] });
  // The proxy listener's shape (SPEC §3): ask for a client certificate, never fail the
  // handshake over it, and report OpenSSL's verdict.
  proxy = createServer({
    cert: pki.proxy.cert,
    key: pki.proxy.key,
    requestCert: true,
    rejectUnauthorized: false,
    ca: pki.agentCa.cert,
    crl: pki.crl.pem,
  }, (socket: TLSSocket) => {
    const error = socket.authorizationError as unknown as { code?: string } | null;
    socket.end(JSON.stringify({ authorized: socket.authorized, error: error ? String(error.code ?? error) : null }));
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  proxyPort = (proxy.address() as AddressInfo).port;
});

afterAll(async () => {
  proxy.close();
  await pki.cleanup();
});

/** An agent's mTLS handshake with the proxy: the agent trusts the interception CA for the proxy's certificate. */
async function present(client: PemPair): Promise<Verdict> {
  const socket = connect({ host: '127.0.0.1', port: proxyPort, servername: 'localhost', ca: pki.interceptionCa.cert, cert: client.cert, key: client.key });
  let body = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
  await once(socket, 'end');
  return JSON.parse(body) as Verdict;
}

describe('makeTestPki over real mTLS', () => {
  it('accepts the agent certificates, SPIFFE and CN alike', async () => {
    for (const agent of Object.values(pki.agents)) expect(await present(agent)).toEqual({ authorized: true, error: null });
    const spiffe = new X509Certificate(pki.agents['finance-auditor']?.cert ?? '');
    expect(spiffe.subjectAltName).toBe('URI:spiffe://acme.internal/agent/finance-auditor');
    expect(spiffe.subject).toBe('CN=finance-auditor');
    expect(new X509Certificate(pki.agents['cn-only-agent']?.cert ?? '').subjectAltName).toBeUndefined();
  });

  it('refuses the revoked certificate through the CRL signed by the agent CA', async () => {
    expect(await present(pki.revoked)).toEqual({ authorized: false, error: 'CERT_REVOKED' });
    const listing = execFileSync('openssl', ['crl', '-noout', '-text', '-in', pki.crl.file, '-CAfile', pki.agentCa.certFile],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(listing).toContain(`Serial Number: ${pki.revoked.serial}`);
  });

  it('refuses expired, not-yet-valid and untrusted certificates with OpenSSL\'s reason', async () => {
    expect(await present(pki.expired)).toEqual({ authorized: false, error: 'CERT_HAS_EXPIRED' });
    expect(await present(pki.notYetValid)).toEqual({ authorized: false, error: 'CERT_NOT_YET_VALID' });
    const untrusted = await present(pki.untrusted);
    expect(untrusted.authorized).toBe(false);
    expect(untrusted.error).toMatch(/^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
  });

  it('gives the problem certificates the first agent\'s identity, so only validity can refuse them', () => {
    for (const pair of [pki.expired, pki.notYetValid, pki.untrusted, pki.revoked]) {
      expect(new X509Certificate(pair.cert).subjectAltName).toBe('URI:spiffe://acme.internal/agent/finance-auditor');
    }
  });

  it('issues extra agents with a custom validity', async () => {
    const shortLived = await pki.issueAgent({ name: 'later', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 60_000) });
    expect(await present(shortLived)).toEqual({ authorized: true, error: null });
  });

  it('mints an upstream server certificate that verifies for its host names against the upstream CA only', async () => {
    const upstream = createServer({ cert: pki.upstream.cert, key: pki.upstream.key }, (socket) => socket.end('upstream'));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const port = (upstream.address() as AddressInfo).port;
    try {
      for (const servername of ['api.openai.test', undefined]) {
        const socket = connect({ host: '127.0.0.1', port, ca: pki.upstreamCa.cert, ...(servername ? { servername } : {}) });
        await once(socket, 'secureConnect');
        expect(socket.authorized).toBe(true);
        socket.destroy();
      }
      const wrongCa = connect({ host: '127.0.0.1', port, servername: 'api.openai.test', ca: pki.interceptionCa.cert });
      await expect(once(wrongCa, 'secureConnect')).rejects.toThrow();
    } finally {
      upstream.close();
    }
  });

  it('writes files the config can name, keys 0600', async () => {
    expect((await stat(pki.agentCa.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(pki.crl.file)).isFile()).toBe(true);
    expect(new X509Certificate(pki.proxy.cert).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });
});
