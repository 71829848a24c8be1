// Allow and deny through the running gateway with real clients (curl, undici ProxyAgent):
// by host at CONNECT, by path, by method, deny-wins, tunnel rule, plain HTTP. Every test
// asserts the audit record its request produced.
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { curl, openProxy, sendConnect } from '../helpers/clients.ts';
import { agentDispatcher, OBSERVER_TOKEN, tokenDispatcher, useGateway } from './fixture.ts';

const ctx = useGateway();

function curlArgs(agent = 'finance-auditor'): string[] {
  const pair = ctx.fx.pki.agents[agent]!;
  return ['--proxy', ctx.gw.proxyUrl, '--proxy-cacert', ctx.fx.pki.interceptionCa.certFile,
    '--proxy-cert', pair.certFile, '--proxy-key', pair.keyFile, '--cacert', ctx.fx.pki.interceptionCa.certFile];
}

async function lastRecord(predicate: (r: Record<string, any>) => boolean): Promise<Record<string, any>> {
  const until = Date.now() + 3000;
  for (;;) {
    const found = (await ctx.gw.records()).filter(predicate).at(-1);
    if (found || Date.now() > until) {
      expect(found, 'audit record').toBeDefined();
      return found!;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('intercepted HTTPS', () => {
  it('curl: an allowed GET reaches the upstream and is audited', async () => {
    const res = await curl([...curlArgs(), `https://api.github.test:${ctx.up}/repos/acme/widgets?token=SECRET123`]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(200);
    const echo = JSON.parse(res.body);
    expect(echo.url).toBe('/repos/acme/widgets?token=SECRET123');
    expect(echo.headers['proxy-authorization']).toBeUndefined();
    const record = await lastRecord((r) => r.request.path === '/repos/acme/widgets');
    expect(record).toMatchObject({
      agent: 'finance-auditor', decision: 'allow', code: 'ok', rule: 'github/read', mode: 'enforce',
      identity: { method: 'mtls', spiffe: 'spiffe://acme.internal/agent/finance-auditor', cn: 'finance-auditor' },
      request: { method: 'GET', scheme: 'https', host: 'api.github.test', port: ctx.up, intercepted: true },
      destination: { ip: '127.0.0.1' },
      response: { status: 200 },
    });
    expect(record.response.bytes).toBeGreaterThan(0);
    expect(record.policy_version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(record)).not.toContain('SECRET123');
  });

  it('ProxyAgent: a per-request deny keeps the tunnel open and the next request on it succeeds', async () => {
    const dispatcher = agentDispatcher(ctx);
    try {
      const denied = await request(`https://api.github.test:${ctx.up}/repos/other/x`, { dispatcher });
      const body = await denied.body.json() as any;
      expect(denied.statusCode).toBe(403);
      expect(denied.headers['x-portcullis-code']).toBe('no_matching_rule');
      expect(denied.headers['x-portcullis-decision']).toBe('deny');
      expect(body.error).toMatchObject({ type: 'egress_denied', code: 'no_matching_rule', agent: 'finance-auditor' });
      expect(body.error.message).toBe(`agent 'finance-auditor' may not GET https://api.github.test:${ctx.up}/repos/other/x`);
      expect(body.error.request_id).toBe(denied.headers['x-portcullis-request-id']);

      const allowed = await request(`https://api.github.test:${ctx.up}/repos/acme/x`, { dispatcher });
      expect(allowed.statusCode).toBe(200);
      await allowed.body.text();
      const record = await lastRecord((r) => r.id === body.error.request_id);
      expect(record).toMatchObject({ decision: 'deny', code: 'no_matching_rule', rule: null, request: { path: '/repos/other/x' } });
      expect(ctx.fx.upstream.seen.some((s) => s.url === '/repos/other/x')).toBe(false);
    } finally {
      await dispatcher.close();
    }
  });

  it('denies by method', async () => {
    const dispatcher = agentDispatcher(ctx);
    try {
      const res = await request(`https://api.github.test:${ctx.up}/repos/acme/x`, { method: 'DELETE', dispatcher });
      expect(res.statusCode).toBe(403);
      expect(((await res.body.json()) as any).error.code).toBe('no_matching_rule');
      const record = await lastRecord((r) => r.request.method === 'DELETE');
      expect(record).toMatchObject({ decision: 'deny', code: 'no_matching_rule' });
    } finally {
      await dispatcher.close();
    }
  });

  it('a matching deny rule wins over an allow rule', async () => {
    const dispatcher = agentDispatcher(ctx);
    try {
      const res = await request(`https://api.github.test:${ctx.up}/repos/acme/secret/keys`, { dispatcher });
      expect(res.statusCode).toBe(403);
      expect(((await res.body.json()) as any).error.code).toBe('denied_by_rule');
      const record = await lastRecord((r) => r.request.path === '/repos/acme/secret/keys');
      expect(record).toMatchObject({ decision: 'deny', code: 'denied_by_rule', rule: 'github/no-secrets' });
      expect(ctx.fx.upstream.seen.some((s) => s.url === '/repos/acme/secret/keys')).toBe(false);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('CONNECT', () => {
  it('refuses a host the agent has no rule for before any tunnel opens', async () => {
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    const res = await sendConnect(socket, `api.anthropic.test:${ctx.up}`);
    expect(res.status).toBe(403);
    expect(res.headers['x-portcullis-code']).toBe('no_matching_rule');
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body);
    expect(body.error).toMatchObject({ type: 'egress_denied', code: 'no_matching_rule', agent: 'finance-auditor' });
    const record = await lastRecord((r) => r.id === body.error.request_id);
    expect(record).toMatchObject({
      decision: 'deny', code: 'no_matching_rule',
      request: { method: 'CONNECT', host: 'api.anthropic.test', port: ctx.up, path: null, intercepted: false },
    });
  });

  it('curl through a tunnel rule: bytes are spliced, TLS is the upstream\'s own', async () => {
    const pair = ctx.fx.pki.agents['finance-auditor']!;
    const res = await curl(['--proxy', ctx.gw.proxyUrl, '--proxy-cacert', ctx.fx.pki.interceptionCa.certFile,
      '--proxy-cert', pair.certFile, '--proxy-key', pair.keyFile,
      '--cacert', ctx.fx.pki.upstreamCa.certFile, `https://other.test:${ctx.up}/anything`]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(200);
    const record = await lastRecord((r) => r.request.method === 'CONNECT' && r.request.host === 'other.test');
    expect(record).toMatchObject({ decision: 'allow', code: 'ok', rule: 'packages/tunnel', request: { intercepted: false }, destination: { ip: '127.0.0.1' }, response: { status: 200 } });
    expect(record.request.bytes).toBeGreaterThan(0);
    expect(record.response.bytes).toBeGreaterThan(0);
  });
});

describe('plain HTTP (absolute-URI)', () => {
  it('curl: an absolute-URI request is decided and forwarded; proxy credentials are not', async () => {
    const res = await curl([...curlArgs(), '-H', 'x-keep: 1', `http://plain.test:${ctx.fx.plainUpstream.port}/hello?q=1`]);
    expect(res.status).toBe(200);
    const echo = JSON.parse(res.body);
    expect(echo.url).toBe('/hello?q=1');
    expect(echo.headers['x-keep']).toBe('1');
    expect(echo.headers['proxy-connection']).toBeUndefined();
    const record = await lastRecord((r) => r.request.host === 'plain.test');
    expect(record).toMatchObject({ decision: 'allow', rule: 'plain/plain', request: { scheme: 'http', path: '/hello', intercepted: false } });
  });

  it('refuses an absolute-URI request to a host without a rule', async () => {
    const res = await curl([...curlArgs(), `http://api.anthropic.test:${ctx.fx.plainUpstream.port}/x`]);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('no_matching_rule');
  });
});

describe('report mode', () => {
  it('an agent in report mode is forwarded where it would be denied, and the record says what it would have been', async () => {
    const dispatcher = tokenDispatcher(ctx, 'observer', OBSERVER_TOKEN);
    try {
      const outside = await request(`https://api.openai.test:${ctx.up}/v1/models`, { dispatcher });
      expect(outside.statusCode).toBe(200);
      await outside.body.text();
      const denyRule = await request(`https://api.github.test:${ctx.up}/repos/acme/secret/x`, { dispatcher });
      expect(denyRule.statusCode).toBe(200);
      await denyRule.body.text();
      const allowed = await request(`https://api.github.test:${ctx.up}/repos/acme/x`, { dispatcher });
      expect(allowed.statusCode).toBe(200);
      await allowed.body.text();

      const records = (await ctx.gw.waitForRecords(1)).filter((r) => r.agent === 'observer');
      const byPath = (p: string) => records.find((r) => r.request.path === p);
      expect(byPath('/v1/models')).toMatchObject({ decision: 'report', code: 'no_matching_rule', mode: 'report', response: { status: 200 } });
      expect(byPath('/repos/acme/secret/x')).toMatchObject({ decision: 'report', code: 'denied_by_rule', rule: 'github/no-secrets' });
      expect(byPath('/repos/acme/x')).toMatchObject({ decision: 'allow', code: 'ok', rule: 'github/read' });
    } finally {
      await dispatcher.close();
    }
  });

  it('identity and the destination check are enforced even in report mode', async () => {
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert });
    const res = await sendConnect(socket, `metadata.test:${ctx.up}`, { 'proxy-authorization': `Basic ${Buffer.from('observer:wrong').toString('base64')}` });
    socket.destroy();
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('identity_invalid');

    const dispatcher = tokenDispatcher(ctx, 'observer', OBSERVER_TOKEN);
    try {
      const meta = await request(`https://metadata.test:${ctx.up}/latest/`, { dispatcher });
      expect(meta.statusCode).toBe(403);
      expect(((await meta.body.json()) as any).error.code).toBe('destination_denied');
    } finally {
      await dispatcher.close();
    }
  });
});
