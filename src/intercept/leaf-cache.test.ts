import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { TLSSocket, connect, createServer, type PeerCertificate } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { opensslAuthority } from '../../test/helpers/pki.ts';
import { authorityFromPem } from '../pki/authority.ts';
import { createRootAuthority } from '../pki/forge-issuer.ts';
import type { InterceptionCa } from './ca.ts';
import { LeafCache } from './leaf-cache.ts';

const DAY_MS = 86_400_000;
let ecCa: InterceptionCa;
let rsaCa: InterceptionCa;
const servers: Server[] = [];

beforeAll(async () => {
  const validity = { notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 365 * DAY_MS) };
  const [ec, rsa] = await Promise.all([
    opensslAuthority({ commonName: 'Leaf Cache EC CA', days: 365 }),
    createRootAuthority({ name: { commonName: 'Leaf Cache RSA CA' }, ...validity }),
  ]);
  ecCa = authorityFromPem(ec.certPem, ec.keyPem);
  rsaCa = authorityFromPem(rsa.certPem, rsa.keyPem);
});

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** What a client that trusts only `ca` sees; rejects when verification fails. */
async function handshake(port: number, ca: InterceptionCa, servername?: string): Promise<{ body: string; cert: PeerCertificate }> {
  const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, ...(servername ? { servername } : {}) });
  await once(socket, 'secureConnect');
  const cert = socket.getPeerCertificate();
  let body = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
  await once(socket, 'end');
  socket.destroy();
  return { body, cert };
}

/** The inner-server shape: SNI picks the context; answers "ok" once TLS is up. */
function sniServer(cache: LeafCache): Server {
  return createServer({ SNICallback: cache.sniCallback }, (socket) => socket.end('ok'));
}

describe('LeafCache over real TLS', () => {
  it.each([['EC', () => ecCa], ['RSA', () => rsaCa]])('serves a leaf for a DNS name via SNI that a client trusting the %s CA verifies', async (_kind, ca) => {
    const cache = new LeafCache({ ca: ca(), maxEntries: 10 });
    const port = await listen(sniServer(cache));
    const { body, cert } = await handshake(port, ca(), 'api.openai.test');
    expect(body).toBe('ok');
    expect(cert.subjectaltname).toBe('DNS:api.openai.test');
    expect(new X509Certificate(cert.raw).checkIssued(ca().certificate)).toBe(true);
  });

  it('serves a leaf for an IP literal (no SNI: the CONNECT target picks the context)', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10 });
    const port = await listen(createNetServer((raw) => {
      void cache.get('127.0.0.1').then((secureContext) => {
        const tls = new TLSSocket(raw, { isServer: true, secureContext, SNICallback: cache.sniCallback });
        tls.on('secure', () => tls.end('ok'));
      });
    }));
    const { body, cert } = await handshake(port, ecCa);
    expect(body).toBe('ok');
    expect(cert.subjectaltname).toBe('IP Address:127.0.0.1');
  });

  it('fails the handshake for a client that does not trust the interception CA', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10 });
    const port = await listen(sniServer(cache));
    await expect(handshake(port, rsaCa, 'api.openai.test')).rejects.toThrow(/unable to verify|self.signed|issuer/i);
  });

  it('issues exactly one leaf for concurrent handshakes to a new host', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10 });
    const port = await listen(sniServer(cache));
    const results = await Promise.all(Array.from({ length: 12 }, () => handshake(port, ecCa, 'burst.example.test')));
    expect(results.every((result) => result.body === 'ok')).toBe(true);
    expect(new Set(results.map((result) => result.cert.serialNumber)).size).toBe(1);
    expect(cache.stats.issued).toBe(1);
  });
});

describe('LeafCache', () => {
  it('single-flights concurrent gets for one new host and returns one context to all', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10 });
    const contexts = await Promise.all(Array.from({ length: 25 }, () => cache.get('api.anthropic.test')));
    expect(new Set(contexts).size).toBe(1);
    expect(cache.stats).toMatchObject({ issued: 1, misses: 25, size: 1 });
    expect(await cache.get('API.Anthropic.TEST.')).toBe(contexts[0]);
    expect(cache.stats).toMatchObject({ issued: 1, hits: 1 });
  });

  it('evicts the least recently used host beyond maxEntries', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 2 });
    const a = await cache.get('a.test');
    await cache.get('b.test');
    expect(await cache.get('a.test')).toBe(a); // a is now the most recent
    await cache.get('c.test'); // evicts b
    expect(cache.stats).toMatchObject({ size: 2, evictions: 1, issued: 3 });
    expect(await cache.get('a.test')).toBe(a);
    expect(cache.stats.issued).toBe(3);
    await cache.get('b.test');
    expect(cache.stats).toMatchObject({ issued: 4, evictions: 2 });
  });

  it('renews a leaf once it enters the renewal window, not before', async () => {
    let now = Date.now();
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10, now: () => now, validityMs: 7 * DAY_MS, renewBeforeMs: DAY_MS });
    const first = await cache.get('renew.test');
    now += 6 * DAY_MS - 1;
    expect(await cache.get('renew.test')).toBe(first);
    now += 1;
    const second = await cache.get('renew.test');
    expect(second).not.toBe(first);
    expect(cache.stats.issued).toBe(2);
  });

  it('keys IPv6 literals canonically, bracketed or not', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10 });
    const context = await cache.get('[0:0::1]');
    expect(await cache.get('::1')).toBe(context);
    expect(cache.stats.issued).toBe(1);
  });

  it('rejects a host that is neither a DNS name nor an IP address, and fails that handshake', async () => {
    const cache = new LeafCache({ ca: ecCa, maxEntries: 10 });
    await expect(cache.get('bad host')).rejects.toThrow(/not a DNS name or IP address/);
    await expect(cache.get('127.1')).rejects.toThrow(/not a DNS name or IP address/);
    const error = await new Promise<Error | null>((resolve) => cache.sniCallback('under_score..test', (e) => resolve(e)));
    expect(error?.message).toMatch(/not a DNS name/);
    expect(cache.stats.issued).toBe(0);
  });
});
