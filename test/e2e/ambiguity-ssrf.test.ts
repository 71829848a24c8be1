// Ambiguity guards and the destination check (SPEC §2, issue 3 items 5–6): each refused with
// the exact status and code, and the upstream never saw the request.
import { describe, expect, it } from 'vitest';
import { openProxy, rawExchange, requestOver, sendConnect, tlsInTunnel } from '../helpers/clients.ts';
import { agentDispatcher, useGateway } from './fixture.ts';

const ctx = useGateway();

async function tunnel(host: string, servername: string | null = host) {
  const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
  const res = await sendConnect(socket, `${host}:${ctx.up}`);
  expect(res.status).toBe(200);
  return tlsInTunnel(socket, servername, ctx.fx.pki.interceptionCa.cert, host);
}

async function recordOf(id: string): Promise<Record<string, any>> {
  const found = (await ctx.gw.waitForRecords(1)).find((r) => r.id === id);
  expect(found, `audit record ${id}`).toBeDefined();
  return found!;
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 ([0-9]{3})/.exec(text)?.[1]);
}
function bodyOf(text: string): any {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

describe('ambiguity inside an intercepted tunnel → 400 ambiguous_request, connection closed', () => {
  const cases: [string, (authority: string) => string, string][] = [
    ['Host header for another host', () => 'GET /repos/acme/x HTTP/1.1\r\nhost: api.openai.test\r\n\r\n', '/repos/acme/x'],
    ['Content-Length with Transfer-Encoding', (a) => `POST /repos/acme/x HTTP/1.1\r\nhost: ${a}\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`, '/repos/acme/x'],
    ['dot segments', (a) => `GET /repos/acme/../other/x HTTP/1.1\r\nhost: ${a}\r\n\r\n`, '/repos/other/x'],
    ['encoded dot segments', (a) => `GET /repos/acme/%2e%2e/other HTTP/1.1\r\nhost: ${a}\r\n\r\n`, '/repos/other'],
    ['encoded slash', (a) => `GET /repos/acme%2fother/x HTTP/1.1\r\nhost: ${a}\r\n\r\n`, '/repos/acme/other/x'],
    ['encoded backslash', (a) => `GET /repos/acme/%5c..%5cx HTTP/1.1\r\nhost: ${a}\r\n\r\n`, '/repos/acme\\..\\x'],
    ['absolute-form for another host', () => `GET https://api.openai.test:${ctx.up}/v1/models HTTP/1.1\r\nhost: api.openai.test:${ctx.up}\r\n\r\n`, '/v1/models'],
  ];
  for (const [name, request, upstreamPath] of cases) {
    it(name, async () => {
      const seenBefore = ctx.fx.upstream.seen.length;
      const socket = await tunnel('api.github.test');
      const { text, closed } = await rawExchange(socket, request(`api.github.test:${ctx.up}`));
      expect(statusOf(text)).toBe(400);
      expect(text.toLowerCase()).toContain('x-portcullis-code: ambiguous_request');
      expect(closed).toBe(true);
      const body = bodyOf(text);
      expect(body.error.code).toBe('ambiguous_request');
      expect(ctx.fx.upstream.seen.slice(seenBefore).some((s) => s.url.startsWith(upstreamPath))).toBe(false);
      const record = await recordOf(body.error.request_id);
      expect(record).toMatchObject({ decision: 'deny', code: 'ambiguous_request', agent: 'finance-auditor' });
    });
  }

  it('TLS SNI that differs from the CONNECT host', async () => {
    const socket = await tunnel('api.github.test', 'api.openai.test');
    const res = await requestOver(socket, { path: '/repos/acme/x', headers: { host: `api.github.test:${ctx.up}` } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('ambiguous_request');
    expect(JSON.parse(res.body).error.message).toContain('SNI');
  });
});

describe('CONNECT targets', () => {
  for (const target of ['2130706433', '127.1', '0x7f.1', '0177.0.0.1', '0x7f000001']) {
    it(`non-canonical IPv4 literal ${target} → 400 ambiguous_request`, async () => {
      const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
      const res = await sendConnect(socket, `${target}:${ctx.up}`);
      socket.destroy();
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body);
      expect(body.error.code).toBe('ambiguous_request');
      expect(await recordOf(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'ambiguous_request', request: { method: 'CONNECT' } });
    });
  }

  it('CONNECT without a port → 400 ambiguous_request', async () => {
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    const res = await sendConnect(socket, 'api.github.test');
    socket.destroy();
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.error).toMatchObject({ code: 'ambiguous_request', message: expect.stringContaining('host:port') });
    expect(await recordOf(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'ambiguous_request' });
  });
});

describe('destination check (SSRF)', () => {
  it('a host allowed by rule that resolves to 169.254.169.254 → 403 destination_denied, never dialled', async () => {
    const socket = await tunnel('metadata.test');
    const res = await requestOver(socket, { path: '/latest/meta-data/', headers: { host: `metadata.test:${ctx.up}` } });
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('destination_denied');
    expect(body.error.message).toContain('169.254.169.254');
    const record = await recordOf(body.error.request_id);
    expect(record).toMatchObject({ decision: 'deny', code: 'destination_denied', rule: 'metadata/meta', request: { host: 'metadata.test' } });
  });

  it('an IP-literal rule for the metadata address is still refused by the destination check', async () => {
    const socket = await tunnel('169.254.169.254', null);
    const res = await requestOver(socket, { path: '/', headers: { host: `169.254.169.254:${ctx.up}` } });
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('destination_denied');
    expect(await recordOf(body.error.request_id)).toMatchObject({ code: 'destination_denied', rule: 'metadata/meta-ip', request: { host: '169.254.169.254' } });
  });

  it('a name resolving to an IPv4-mapped IPv6 loopback address → 403 destination_denied', async () => {
    const socket = await tunnel('mapped.test');
    const res = await requestOver(socket, { path: '/', headers: { host: `mapped.test:${ctx.up}` } });
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('destination_denied');
    expect(body.error.message).toContain('::ffff:127.0.0.2');
    expect(await recordOf(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'destination_denied', rule: 'metadata/mapped' });
  });
});

