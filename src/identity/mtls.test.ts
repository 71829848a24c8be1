import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type PemPair, type TestPki } from '../../test/helpers/pki.ts';
import type { PeerCertificateFacts } from './identity.ts';
import { peerCertificateFacts } from './mtls.ts';

let pki: TestPki;
let server: Server;
const seen: ((facts: PeerCertificateFacts | null) => void)[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
  server = createServer({ cert: pki.proxy.cert, key: pki.proxy.key, ca: pki.agentCa.cert, requestCert: true, rejectUnauthorized: false });
  server.on('secureConnection', (socket: TLSSocket) => {
    seen.shift()?.(peerCertificateFacts(socket));
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await pki.cleanup();
});

/** The facts the server read on one new connection presenting `pair` (or no certificate). */
function factsFor(pair: PemPair | null): Promise<PeerCertificateFacts | null> {
  return new Promise((resolve, reject) => {
    seen.push(resolve);
    const client = connect({
      port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: pki.interceptionCa.cert,
      ...(pair === null ? {} : { cert: pair.cert, key: pair.key }),
    });
    client.on('error', reject);
    client.resume();
  });
}

describe('peerCertificateFacts', () => {
  it('reads the same facts from a certificate on every connection, authorization from each', async () => {
    const agent = pki.agents['finance-auditor']!;
    const first = await factsFor(agent);
    const second = await factsFor(agent);
    expect(first).toEqual({
      authorized: true,
      error: null,
      spiffeIds: ['spiffe://acme.internal/agent/finance-auditor'],
      cn: 'finance-auditor',
      fingerprint: `sha256:${new X509Certificate(agent.cert).fingerprint256.replaceAll(':', '').toLowerCase()}`,
    });
    expect(second).toEqual(first);

    const untrusted = await factsFor(pki.untrusted);
    expect(untrusted).toMatchObject({ authorized: false, cn: 'finance-auditor' });
    expect(untrusted!.error).not.toBeNull();
    expect(untrusted!.fingerprint).not.toBe(first!.fingerprint);
  });

  it('is null without a client certificate', async () => {
    expect(await factsFor(null)).toBeNull();
  });
});
