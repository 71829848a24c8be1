import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, errorOf, startAdmin, type AdminFixture } from './fixture.ts';

// Every /v1 endpoint, with a method it answers and a body it would accept.
const V1_ENDPOINTS: [string, string, unknown?][] = [
  ['GET', '/v1/policy'],
  ['POST', '/v1/reload'],
  ['GET', '/v1/agents'],
  ['POST', '/v1/agents/bot/suspend', { reason: 'x' }],
  ['POST', '/v1/agents/bot/resume'],
  ['POST', '/v1/suspend-all'],
  ['POST', '/v1/resume-all'],
  ['GET', '/v1/flags'],
  ['PUT', '/v1/flags/freeze', { value: true }],
  ['GET', '/v1/approvals?state=pending'],
  ['POST', '/v1/approvals/01ABC/approve', { by: 'alice' }],
  ['POST', '/v1/approvals/01ABC/deny', { by: 'alice' }],
  ['GET', '/v1/audit'],
  ['POST', '/v1/explain', { agent: 'bot', method: 'GET', url: 'https://api.example.com/v1/x' }],
  ['GET', '/v1/no-such-endpoint'],
];

const init = (method: string, body?: unknown): RequestInit =>
  body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };

describe('admin API authentication', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  it.each(V1_ENDPOINTS)('%s %s without a token is 401 and changes nothing', async (method, path, body) => {
    const error = await errorOf(await admin.call(path, { ...init(method, body), auth: false }), 401);
    expect(error).toEqual({ code: 'unauthorized', message: 'missing bearer token (Authorization: Bearer <admin token>)' });
    expect(admin.governance.suspensions()).toEqual([]);
    expect(admin.governance.flags()).toEqual({});
  });

  it.each(V1_ENDPOINTS)('%s %s with a wrong token is 401', async (method, path, body) => {
    const response = await admin.call(path, { ...init(method, body), auth: `${ADMIN_TOKEN}x` });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="portcullis-admin"');
    expect(await errorOf(response, 401)).toEqual({ code: 'unauthorized', message: 'wrong admin token' });
  });

  it('refuses other schemes and a token of another length the same way', async () => {
    const basic = await admin.call('/v1/policy', { headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` } });
    expect((await errorOf(basic, 401)).message).toBe('missing bearer token (Authorization: Bearer <admin token>)');
    expect((await errorOf(await admin.call('/v1/policy', { auth: 'x' }), 401)).message).toBe('wrong admin token');
    expect((await errorOf(await admin.call('/v1/policy', { auth: ADMIN_TOKEN.slice(0, -1) }), 401)).message).toBe('wrong admin token');
  });

  it('accepts the right token, with the scheme in any case', async () => {
    const response = await admin.call('/v1/flags', { headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ flags: {} });
  });

  it('authenticates before routing: an unknown /v1 path is 401 without a token, 404 with one', async () => {
    await errorOf(await admin.call('/v1/nope', { auth: false }), 401);
    expect(await errorOf(await admin.call('/v1/nope'), 404)).toEqual({ code: 'not_found', message: 'no admin endpoint at /v1/nope' });
  });

  it('GET /healthz needs no token', async () => {
    const response = await admin.call('/healthz', { auth: false });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('HEAD /healthz answers without a body', async () => {
    const response = await admin.call('/healthz', { method: 'HEAD', auth: false });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('GET /metrics needs no token and speaks the Prometheus text format', async () => {
    const response = await admin.call('/metrics', { auth: false });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('# TYPE portcullis_requests_total counter');
  });

  it('GET /readyz is 200 with every check when all is well, 503 naming the failed checks otherwise', async () => {
    const ready = await admin.call('/readyz', { auth: false });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { config: 'ok', listeners: 'ok', store: 'ok', audit: 'ok' },
    });

    admin.health.storeHealthy = false;
    admin.health.listening = false;
    admin.health.auditAvailable = false;
    try {
      const notReady = await admin.call('/readyz', { auth: false });
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        status: 'not_ready',
        failed: ['listeners', 'store'],
        // audit.required is false in this config: a down sink does not take the replica out.
        checks: { config: 'ok', listeners: 'failing', store: 'failing', audit: 'not required' },
      });
    } finally {
      Object.assign(admin.health, { storeHealthy: true, listening: true, auditAvailable: true });
    }
  });
});

describe('readiness with store.on_error: allow', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin({ storeOnError: 'allow' });
  });
  afterAll(() => admin.close());

  it('an unreachable store does not take the replica out: traffic flows without it', async () => {
    admin.health.storeHealthy = false;
    try {
      const ready = await admin.call('/readyz', { auth: false });
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { config: 'ok', listeners: 'ok', store: 'not required', audit: 'ok' },
      });
    } finally {
      admin.health.storeHealthy = true;
    }
  });
});

describe('admin API without a configured token', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin({ token: false });
  });
  afterAll(() => admin.close());

  it.each(V1_ENDPOINTS)('%s %s is 401 and says the token is not configured', async (method, path, body) => {
    const error = await errorOf(await admin.call(path, { ...init(method, body), auth: 'anything' }), 401);
    expect(error).toEqual({
      code: 'unauthorized',
      message: 'the admin token is not configured (listen.admin.token), so the /v1 API is disabled',
    });
  });

  it('still serves /healthz, /readyz and /metrics', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await admin.call(path, { auth: false })).status).toBe(200);
    }
  });
});
