// 1,000 tunnels opened and then dropped by the client — mid-handshake, mid-request and
// mid-stream — must leave no sockets behind in the gateway (issue 3, "Sockets").
import { describe, expect, it } from 'vitest';
import tls from 'node:tls';
import { openProxy, sendConnect } from '../helpers/clients.ts';
import { agentDispatcher, useGateway } from './fixture.ts';

const ctx = useGateway();

type Drop = 'before-connect-answer' | 'mid-handshake' | 'mid-request' | 'mid-stream';

async function openAndDrop(how: Drop): Promise<void> {
  const outer = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
  if (how === 'before-connect-answer') {
    outer.write(`CONNECT api.openai.test:${ctx.up} HTTP/1.1\r\nhost: api.openai.test:${ctx.up}\r\n\r\n`);
    outer.destroy();
    return;
  }
  const res = await sendConnect(outer, `api.openai.test:${ctx.up}`);
  expect(res.status).toBe(200);
  if (how === 'mid-handshake') {
    const inner = tls.connect({ socket: outer, servername: 'api.openai.test', ca: ctx.fx.pki.interceptionCa.cert });
    inner.on('error', () => undefined);
    setImmediate(() => { inner.destroy(); outer.destroy(); });
    return;
  }
  const inner = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: outer, servername: 'api.openai.test', ca: ctx.fx.pki.interceptionCa.cert }, () => resolve(s));
    s.once('error', reject);
  });
  inner.on('error', () => undefined);
  if (how === 'mid-request') {
    inner.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: api.openai.test:${ctx.up}\r\ncontent-length: 1000\r\n\r\n{"partial":`);
    await new Promise((r) => setTimeout(r, 5));
    inner.destroy();
    outer.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    inner.once('data', () => resolve());
    inner.write(`GET /sse?n=1000&delay=10 HTTP/1.1\r\nhost: api.openai.test:${ctx.up}\r\n\r\n`);
  });
  inner.destroy();
  outer.destroy();
}

function socketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;
}

async function settle(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

describe('dropped tunnels', () => {
  it('1,000 tunnels dropped at every stage leave no gateway sockets behind', async () => {
    const outer = ctx.gw.gateway.runtime;
    const baseline = socketHandles();
    const kinds: Drop[] = ['before-connect-answer', 'mid-handshake', 'mid-request', 'mid-stream'];
    const total = 1000;
    const batch = 50;
    for (let i = 0; i < total; i += batch) {
      await Promise.all(Array.from({ length: batch }, (_, j) => openAndDrop(kinds[(i + j) % kinds.length]!)));
    }
    await settle(() => outer.tracker.size === 0, 5000);
    expect(outer.tracker.size).toBe(0);
    // undici keeps idle upstream connections for keep-alive reuse; closing the pools must
    // leave exactly the handles we started with.
    await outer.upstreams.close();
    await settle(() => socketHandles() <= baseline, 5000);
    expect(socketHandles()).toBeLessThanOrEqual(baseline);
    const records = await ctx.gw.waitForRecords(total / 2);
    expect(records.filter((r) => r.request.path === '/sse').length).toBeGreaterThan(0);
  }, 120_000);
});
