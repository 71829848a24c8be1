// Size limits, upstream failures, redirects, header hygiene and injection, and the per-agent
// tunnel cap — each with its exact status and code.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { openProxy, rawExchange, sendConnect, tlsInTunnel } from '../helpers/clients.ts';
import { agentDispatcher, useGateway } from './fixture.ts';

const ctx = useGateway((fx) => ({
  limits: '  max_request_bytes: 1000\n  max_header_bytes: 2048\n  max_tunnels_per_agent: 3',
  body: `
secrets:
  upstream_key: "sk-live-SECRET-VALUE"
policies:
  api:
    rules:
      - { id: big, host: api.openai.test:${fx.upstream.port}, paths: ["/big/**"], max_request_bytes: 5000 }
      - id: all
        host: api.openai.test:${fx.upstream.port}
        inject: { headers: { authorization: "Bearer \${secret:upstream_key}" } }
      - { id: down, host: "api.anthropic.test:1" }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [api]
`,
}));

async function send(url: string, options: Parameters<typeof request>[1] = {}) {
  const dispatcher = agentDispatcher(ctx);
  try {
    const res = await request(url, { ...options, dispatcher });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } finally {
    await dispatcher.close();
  }
}

describe('request size', () => {
  it('a Content-Length over the limit → 413 request_too_large, not forwarded', async () => {
    const res = await send(`https://api.openai.test:${ctx.up}/upload`, { method: 'POST', body: 'x'.repeat(1001) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('request_too_large');
    expect(ctx.fx.upstream.seen.some((s) => s.url === '/upload')).toBe(false);
  });

  it('a rule may raise the limit for its paths', async () => {
    const res = await send(`https://api.openai.test:${ctx.up}/big/upload`, { method: 'POST', body: 'x'.repeat(3000) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).body.length).toBe(3000);
  });

  it('a chunked body that grows past the limit → 413 request_too_large', async () => {
    // A stream without a known length goes out chunked.
    const body = Readable.from(Array.from({ length: 20 }, () => Buffer.alloc(100, 'y')));
    const res = await send(`https://api.openai.test:${ctx.up}/chunked`, { method: 'POST', body });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('request_too_large');
    const record = (await ctx.gw.waitForRecords(1)).find((r) => r.request.path === '/chunked');
    expect(record).toMatchObject({ decision: 'deny', code: 'request_too_large' });
  });

  it('headers over max_header_bytes → 431 headers_too_large and the connection closes', async () => {
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    expect((await sendConnect(socket, `api.openai.test:${ctx.up}`)).status).toBe(200);
    const inner = await tlsInTunnel(socket, 'api.openai.test', ctx.fx.pki.interceptionCa.cert);
    const { text, closed } = await rawExchange(inner, `GET /x HTTP/1.1\r\nhost: api.openai.test:${ctx.up}\r\nx-big: ${'a'.repeat(4000)}\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text.toLowerCase()).toContain('x-portcullis-code: headers_too_large');
    expect(closed).toBe(true);
    const records = await ctx.gw.waitForRecords(1);
    expect(records.some((r) => r.code === 'headers_too_large' && r.agent === 'finance-auditor')).toBe(true);
  });
});

describe('forwarding', () => {
  it('injects the secret, drops the agent\'s own header of that name, and never logs the secret', async () => {
    const res = await send(`https://api.openai.test:${ctx.up}/inject`, { headers: { authorization: 'Bearer agent-own', 'x-other': 'kept' } });
    expect(res.status).toBe(200);
    const seen = ctx.fx.upstream.seen.filter((s) => s.url === '/inject');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['authorization']).toBe('Bearer sk-live-SECRET-VALUE');
    expect(seen[0]!.headers['x-other']).toBe('kept');
    expect(JSON.stringify(seen[0]!.rawHeaders)).not.toContain('agent-own');
    const audit = JSON.stringify(await ctx.gw.records());
    expect(audit).not.toContain('sk-live-SECRET-VALUE');
    expect(audit).not.toContain('agent-own');
  });

  it('hop-by-hop headers and those named in Connection are not forwarded', async () => {
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    expect((await sendConnect(socket, `api.openai.test:${ctx.up}`)).status).toBe(200);
    const inner = await tlsInTunnel(socket, 'api.openai.test', ctx.fx.pki.interceptionCa.cert);
    const { text } = await rawExchange(inner, `GET /hop HTTP/1.1\r\nhost: api.openai.test:${ctx.up}\r\n` +
      'connection: close, x-private\r\nx-private: 1\r\nkeep-alive: timeout=5\r\nte: trailers\r\nproxy-authorization: Basic Zm9vOmJhcg==\r\nx-kept: 2\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    const seen = ctx.fx.upstream.seen.find((s) => s.url === '/hop')!;
    expect(seen.headers['x-kept']).toBe('2');
    for (const name of ['x-private', 'keep-alive', 'te', 'proxy-authorization']) expect(seen.headers[name], name).toBeUndefined();
  });

  it('redirects are passed to the agent, never followed', async () => {
    const res = await send(`https://api.openai.test:${ctx.up}/status/302`);
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe('https://elsewhere.test/');
    expect(ctx.fx.upstream.seen.filter((s) => s.url === '/status/302')).toHaveLength(1);
    expect(await recordWith(res.headers['x-portcullis-request-id'])).toMatchObject({ decision: 'allow', response: { status: 302 } });
  });

  it('an unreachable upstream → 502 upstream_error', async () => {
    const res = await send('https://api.anthropic.test:1/x');
    expect(res.status).toBe(502);
    const body = JSON.parse(res.text);
    expect(body.error).toMatchObject({ type: 'gateway_error', code: 'upstream_error' });
    expect(await recordWith(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'upstream_error', rule: 'api/down', response: { status: 502 } });
  });

  it('an upstream that drops mid-response: the agent gets a cut response, the record says so', async () => {
    const dispatcher = agentDispatcher(ctx);
    let id: string | undefined;
    let bodyError: unknown = null;
    try {
      const res = await request(`https://api.openai.test:${ctx.up}/cut`, { dispatcher });
      expect(res.statusCode).toBe(200);
      id = res.headers['x-portcullis-request-id'] as string;
      await res.body.text().catch((err: unknown) => { bodyError = err; });
    } finally {
      await dispatcher.close();
    }
    expect(bodyError, 'the agent must see the response end early').not.toBeNull();
    const record = await recordWith(id);
    expect(record).toMatchObject({ decision: 'allow', code: 'ok', response: { status: 200, bytes: 10 } });
    expect(record.message).toMatch(/^upstream failed after the response began: /);
  });

  it('an upstream that never answers → 504 upstream_timeout', async () => {
    const res = await send(`https://api.openai.test:${ctx.up}/stall`);
    expect(res.status).toBe(504);
    const body = JSON.parse(res.text);
    expect(body.error).toMatchObject({ type: 'gateway_error', code: 'upstream_timeout' });
    expect(await recordWith(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'upstream_timeout', response: { status: 504 } });
  }, 15_000);
});

describe('tunnel cap', () => {
  it('an agent past max_tunnels_per_agent → 429 rate_limited with retry-after', async () => {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
      expect((await sendConnect(socket, `api.openai.test:${ctx.up}`)).status).toBe(200);
      open.push(socket);
    }
    const extra = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    const res = await sendConnect(extra, `api.openai.test:${ctx.up}`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('rate_limited');
    expect(await recordWith(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'rate_limited', request: { method: 'CONNECT' } });
    for (const s of [...open, extra]) s.destroy();
  });
});

async function recordWith(id: unknown): Promise<Record<string, any>> {
  expect(typeof id).toBe('string');
  const until = Date.now() + 3000;
  for (;;) {
    const found = (await ctx.gw.records()).find((r) => r.id === id);
    if (found !== undefined || Date.now() > until) {
      expect(found, `audit record ${String(id)}`).toBeDefined();
      return found!;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
