// The admin listener of a running gateway (issues 5 and 6), a smoke pass (test/admin covers bad
// input in depth): /v1 only with the token; /metrics after real traffic; and injected secrets
// that reach the upstream but no log line, audit record or admin answer.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { openProxy, sendConnect, tlsInTunnel } from '../helpers/clients.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { agentDispatcher, makeFixture, type GatewayContext } from './fixture.ts';
import { eventually, sample } from './replicas.ts';

const ADMIN_TOKEN = 'e2e-admin-token-41d0';
const SECRET = 'ghp_E2E-INJECTED-SECRET-0b7f3c';
const AGENT_OWN = 'agent-own-credential-9a2e';

const ctx = {} as GatewayContext;
const logLines: string[] = [];

beforeAll(async () => {
  ctx.fx = await makeFixture();
  ctx.up = ctx.fx.upstream.port;
  const secretFile = join(ctx.fx.pki.dir, 'github-token');
  writeFileSync(secretFile, `${SECRET}\n`);
  const up = ctx.up;
  ctx.gw = await startTestGateway(ctx.fx.pki, {
    adminToken: ADMIN_TOKEN,
    // Every log line at debug, to grep for secrets.
    log: pino({ level: 'debug' }, new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    })),
    body: `
secrets:
  github: "\${file:${secretFile}}"
prices:
  models:
    gpt-4o-mini: { input_per_mtok: 0.15, output_per_mtok: 0.60 }
policies:
  llm:
    rules:
      - { id: chat, host: "api.openai.test:${up}", methods: [POST], paths: [/v1/chat/completions], meter: openai }
      - { id: models, host: "api.openai.test:${up}", methods: [GET], paths: [/v1/models] }
  github:
    rules:
      - id: api
        host: "api.github.test:${up}"
        inject: { headers: { authorization: "Bearer \${secret:github}" } }
      - id: down
        host: "api.anthropic.test:1"
        inject: { headers: { authorization: "Bearer \${secret:github}" } }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [llm, github]
  cn-only-agent:
    match: { cn: cn-only-agent }
    policies: [github]
budgets:
  finance-auditor:
    - { id: daily-inference, limit_usd: 5, per: day }
`,
  });
});

afterAll(async () => {
  await ctx.gw?.close();
  await ctx.fx?.close();
});

async function send(url: string, options: Parameters<typeof request>[1] = {}) {
  const dispatcher = agentDispatcher(ctx);
  try {
    const res = await request(url, { ...options, dispatcher });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

describe('admin API smoke', () => {
  it('health and metrics need no token; every /v1 endpoint refuses a missing or wrong token and answers the right one', async () => {
    const gw = ctx.gw;
    expect(await gw.admin('/healthz', { token: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await gw.admin('/readyz', { token: null })).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await gw.admin('/metrics', { token: null })).status).toBe(200);

    const calls: [string, { method?: string; body?: unknown }][] = [
      ['/v1/policy', {}],
      ['/v1/agents', {}],
      ['/v1/flags', {}],
      ['/v1/approvals?state=pending', {}],
      ['/v1/audit?limit=1', {}],
      ['/v1/explain', { body: { agent: 'finance-auditor', method: 'GET', url: `https://api.openai.test:${ctx.up}/v1/models` } }],
      ['/v1/flags/smoke', { method: 'PUT', body: { value: true } }],
      ['/v1/agents/cn-only-agent/suspend', { body: { reason: 'smoke' } }],
      ['/v1/agents/cn-only-agent/resume', { body: {} }],
      ['/v1/reload', { method: 'POST' }],
    ];
    for (const [path, init] of calls) {
      for (const token of [null, 'wrong-token']) {
        const refused = await gw.admin(path, { ...init, token });
        expect(refused.status, `${path} with token ${token}`).toBe(401);
        expect(refused.body.error.code, path).toMatch(/^[a-z_]+$/);
      }
    }
    // Nothing the refused calls asked for happened.
    expect((await gw.admin('/v1/flags')).body).toEqual({ flags: {} });
    expect(ctx.gw.gateway.runtime.governance.suspension('cn-only-agent')).toBeNull();

    for (const [path, init] of calls) {
      const answered = await gw.admin(path, init);
      expect(answered.status, `${path}: ${answered.text}`).toBe(200);
    }
    expect((await gw.admin('/v1/flags')).body).toEqual({ flags: { smoke: true } });
    const explained = await gw.admin('/v1/explain', { body: { agent: 'finance-auditor', method: 'DELETE', url: `https://api.openai.test:${ctx.up}/v1/models` } });
    expect(explained.body).toMatchObject({ decision: 'deny', code: 'no_matching_rule' });
    const agents = (await gw.admin('/v1/agents')).body.agents as Record<string, any>[];
    expect(agents.map((a) => [a['id'], a['suspended']])).toEqual([['cn-only-agent', false], ['finance-auditor', false]]);
  });
});

describe('secret injection', () => {
  it('the upstream gets the injected secret and never the agent\'s own header; no log, record or admin answer holds either', async () => {
    const res = await send(`https://api.github.test:${ctx.up}/repos/acme/x?page=2`, { headers: { authorization: `Bearer ${AGENT_OWN}`, 'x-kept': 'yes' } });
    expect(res.status).toBe(200);
    const seen = ctx.fx.upstream.seen.filter((s) => s.url === '/repos/acme/x?page=2');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['authorization']).toBe(`Bearer ${SECRET}`);
    expect(seen[0]!.headers['x-kept']).toBe('yes');
    expect(JSON.stringify(seen[0]!.rawHeaders)).not.toContain(AGENT_OWN);
    // The injecting rule's upstream fails: the warning logged must not carry the request's headers.
    const failed = await send('https://api.anthropic.test:1/x', { headers: { authorization: `Bearer ${AGENT_OWN}` } });
    expect(failed.status).toBe(502);
    // A reload logs the config version and file; it must not log resolved values either.
    expect((await ctx.gw.admin('/v1/reload', { method: 'POST' })).status).toBe(200);

    const records = await ctx.gw.waitForRecords(1);
    expect(records.find((r) => r.request.path === '/repos/acme/x')).toMatchObject({ decision: 'allow', rule: 'github/api' });
    expect(records.find((r) => r.request.host === 'api.anthropic.test')).toMatchObject({ decision: 'deny', code: 'upstream_error', rule: 'github/down' });
    const answers = await Promise.all(['/v1/policy', '/v1/audit?limit=100', '/metrics'].map((p) => ctx.gw.admin(p)));
    for (const message of ['proxy listening', 'upstream request failed', 'config reloaded']) {
      expect(logLines.some((l) => l.includes(message)), message).toBe(true);
    }
    const auditText = await readFile(ctx.gw.auditFile, 'utf8');
    const everything = [...logLines, auditText, ...answers.map((a) => a.text)].join('\n');
    expect(everything).toContain('github/api');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(AGENT_OWN);
    expect(answers[0]!.text).toContain('${secret:github}');
  });
});

describe('/metrics after traffic', () => {
  it('shows requests by agent/decision/code/rule, durations, spend and remaining budget, tunnels and the policy version', async () => {
    const chat = await send(`https://api.openai.test:${ctx.up}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect((await send(`https://api.openai.test:${ctx.up}/v1/models`)).status).toBe(200);
    expect((await send(`https://api.openai.test:${ctx.up}/v1/files`)).status).toBe(403);
    const records = await ctx.gw.waitForRecords(1);
    const metered = records.find((r) => r.request.path === '/v1/chat/completions');
    // 12 input tokens at $0.15/Mtok + 3 output tokens at $0.60/Mtok.
    expect(metered).toMatchObject({ decision: 'allow', rule: 'llm/chat', usage: { model: 'gpt-4o-mini', input_tokens: 12, output_tokens: 3 } });
    expect(metered!.cost_usd).toBeCloseTo(0.0000036, 12);

    // One intercepted tunnel held open while scraping.
    const before = sample((await ctx.gw.admin('/metrics')).text, 'portcullis_active_tunnels')!;
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    expect((await sendConnect(socket, `api.openai.test:${ctx.up}`)).status).toBe(200);
    const inner = await tlsInTunnel(socket, 'api.openai.test', ctx.fx.pki.interceptionCa.cert);
    const text = (await ctx.gw.admin('/metrics', { token: null })).text;
    inner.destroy();
    socket.destroy();
    expect(sample(text, 'portcullis_active_tunnels')).toBe(before + 1);
    const after = await eventually(async () => sample((await ctx.gw.admin('/metrics')).text, 'portcullis_active_tunnels'), (n) => n === before, 2000);
    expect(after.value).toBe(before);

    const agent = 'agent="finance-auditor"';
    expect(sample(text, `portcullis_requests_total{${agent},decision="allow",code="ok",rule="llm/chat"}`)).toBe(1);
    expect(sample(text, `portcullis_requests_total{${agent},decision="allow",code="ok",rule="llm/models"}`)).toBe(1);
    expect(sample(text, `portcullis_requests_total{${agent},decision="deny",code="no_matching_rule",rule="none"}`)).toBe(1);
    expect(sample(text, `portcullis_request_duration_seconds_count{${agent},decision="allow"}`)).toBeGreaterThanOrEqual(2);
    expect(sample(text, `portcullis_request_duration_seconds_bucket{le="+Inf",${agent},decision="deny"}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'portcullis_upstream_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    // Each CONNECT looks up a leaf; the configured exact hosts were issued at start (a miss each).
    expect((sample(text, 'portcullis_leaf_cache_total{result="hit"}') ?? 0) + (sample(text, 'portcullis_leaf_cache_total{result="miss"}') ?? 0)).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'portcullis_leaf_issue_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, `portcullis_spend_usd_total{${agent},budget="daily-inference"}`)).toBeCloseTo(0.0000036, 12);
    expect(sample(text, `portcullis_budget_remaining_usd{${agent},budget="daily-inference"}`)).toBeCloseTo(5 - 0.0000036, 9);

    const version = (await ctx.gw.admin('/v1/policy')).body.version as string;
    expect(metered!.policy_version).toBe(version);
    expect(sample(text, `portcullis_policy_info{version="${version}"}`)).toBe(1);
    expect(text.split('\n').filter((l) => l.startsWith('portcullis_policy_info{'))).toHaveLength(1);

    const budgets = (await ctx.gw.admin('/v1/agents')).body.agents.find((a: any) => a.id === 'finance-auditor').budgets;
    expect(budgets).toHaveLength(1);
    expect(budgets[0]).toMatchObject({ id: 'daily-inference', limit_usd: 5, reserved_usd: 0 });
    expect(budgets[0].spent_usd).toBeCloseTo(0.0000036, 12);
  });
});
