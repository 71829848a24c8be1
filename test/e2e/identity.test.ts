// Identity (SPEC §3) through the running gateway: no certificate, untrusted CA, expired,
// not yet valid, revoked (CRL), unknown agent, CN vs SPIFFE, token on both listeners.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, openProxy, sendConnect, type ClientCert } from '../helpers/clients.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { DEV_TOKEN, makeFixture, policyYaml, type Fixture } from './fixture.ts';

let fx: Fixture;
let gw: TestGateway;
let plain: TestGateway;
let up: number;

beforeAll(async () => {
  fx = await makeFixture();
  up = fx.upstream.port;
  gw = await startTestGateway(fx.pki, { body: policyYaml(up, fx.plainUpstream.port) });
  plain = await startTestGateway(fx.pki, { body: policyYaml(up, fx.plainUpstream.port), plain: true });
});
afterAll(async () => {
  await gw?.close();
  await plain?.close();
  await fx?.close();
});

async function connectAs(client: ClientCert | undefined, headers: Record<string, string> = {}, target = `api.github.test:${up}`) {
  const socket = await openProxy(gw.port, { ca: fx.pki.interceptionCa.cert, ...(client ? { client } : {}) });
  try {
    return await sendConnect(socket, target, headers);
  } finally {
    socket.destroy();
  }
}

async function recordOf(requestId: string): Promise<Record<string, any>> {
  const records = await gw.waitForRecords(1);
  const found = records.find((r) => r.id === requestId);
  expect(found, `audit record ${requestId}`).toBeDefined();
  return found!;
}

const basic = (user: string, token: string): string => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

describe('mTLS', () => {
  it('no certificate and no token → 407 identity_required with proxy-authenticate', async () => {
    const res = await connectAs(undefined);
    expect(res.status).toBe(407);
    expect(res.headers['x-portcullis-code']).toBe('identity_required');
    expect(res.headers['proxy-authenticate']).toContain('Basic');
    const body = JSON.parse(res.body);
    expect(body.error).toMatchObject({ type: 'egress_denied', code: 'identity_required', agent: null });
    expect(await recordOf(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'identity_required', agent: null, identity: null });
  });

  const invalid: [string, () => ClientCert, string][] = [
    ['untrusted CA', () => fx.pki.untrusted, 'not signed by a trusted agent CA'],
    ['expired', () => fx.pki.expired, 'expired'],
    ['not yet valid', () => fx.pki.notYetValid, 'not yet valid'],
    ['revoked (CRL)', () => fx.pki.revoked, 'revoked'],
  ];
  for (const [name, cert, reason] of invalid) {
    it(`${name} certificate → 403 identity_invalid saying why`, async () => {
      const res = await connectAs(cert());
      expect(res.status).toBe(403);
      expect(res.headers['x-portcullis-code']).toBe('identity_invalid');
      const body = JSON.parse(res.body);
      expect(body.error.code).toBe('identity_invalid');
      expect(body.error.message).toContain(reason);
      expect(await recordOf(body.error.request_id)).toMatchObject({ decision: 'deny', code: 'identity_invalid', request: { method: 'CONNECT' } });
    });
  }

  it('a valid certificate for no configured agent → 403 unknown_agent', async () => {
    const stranger = await fx.pki.issueAgent({ name: 'stranger', spiffe: 'spiffe://acme.internal/agent/stranger' });
    const res = await connectAs(stranger);
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('unknown_agent');
    expect(body.error.message).toContain('spiffe://acme.internal/agent/stranger');
  });

  it('an agent matched by CN is allowed its rules and audited with method mtls', async () => {
    const res = await connectAs(fx.pki.agents['cn-only-agent']);
    expect(res.status).toBe(200);
    const denied = await connectAs(fx.pki.agents['cn-only-agent'], {}, `api.openai.test:${up}`);
    expect(denied.status).toBe(403);
    const record = await recordOf(JSON.parse(denied.body).error.request_id);
    expect(record).toMatchObject({ agent: 'cn-only-agent', identity: { method: 'mtls', cn: 'cn-only-agent', spiffe: null } });
    expect(record.identity.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a token on the HTTPS listener works without a client certificate', async () => {
    const res = await connectAs(undefined, { 'proxy-authorization': basic('token-agent', DEV_TOKEN) }, `api.openai.test:${up}`);
    expect(res.status).toBe(200);
  });

  it('a certificate and a token for different agents → 403 identity_invalid', async () => {
    const res = await connectAs(fx.pki.agents['finance-auditor'], { 'proxy-authorization': basic('token-agent', DEV_TOKEN) });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('identity_invalid');
  });
});

describe('tokens on the plain-HTTP listener', () => {
  it('curl with agent-id:token in the proxy URL is allowed, and the upstream never sees the credentials', async () => {
    const res = await curl(['--proxy', `http://token-agent:${DEV_TOKEN}@127.0.0.1:${plain.port}`, `http://plain.test:${fx.plainUpstream.port}/tok`]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).headers['proxy-authorization']).toBeUndefined();
    const record = (await plain.waitForRecords(1)).find((r) => r.request.path === '/tok');
    expect(record).toMatchObject({ agent: 'token-agent', decision: 'allow', identity: { method: 'token', fingerprint: null } });
  });

  it('a Bearer token works too', async () => {
    const socket = await openProxy(plain.port, { plain: true });
    try {
      const res = await sendConnect(socket, `api.openai.test:${up}`, { 'proxy-authorization': `Bearer ${DEV_TOKEN}` });
      expect(res.status).toBe(200);
    } finally {
      socket.destroy();
    }
  });

  it('a wrong token → 403 identity_invalid; none → 407', async () => {
    const wrong = await curl(['--proxy', `http://token-agent:nope@127.0.0.1:${plain.port}`, `http://plain.test:${fx.plainUpstream.port}/x`]);
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body).error).toMatchObject({ code: 'identity_invalid', message: 'proxy token is wrong' });
    const none = await curl(['--proxy', `http://127.0.0.1:${plain.port}`, `http://plain.test:${fx.plainUpstream.port}/x`]);
    expect(none.status).toBe(407);
    expect(JSON.parse(none.body).error.code).toBe('identity_required');
    expect(fx.plainUpstream.seen.some((s) => s.url === '/x')).toBe(false);
  });

  it('the token belongs to another agent than the one claimed → 403 identity_invalid', async () => {
    const res = await curl(['--proxy', `http://finance-auditor:${DEV_TOKEN}@127.0.0.1:${plain.port}`, `http://plain.test:${fx.plainUpstream.port}/y`]);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('identity_invalid');
  });
});
