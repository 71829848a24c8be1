// Config reload through the running gateway (issue 6): a valid file changes the decision for
// new requests, inside tunnels already open too, whether asked through POST /v1/reload or
// `gateway.reload()` (what SIGHUP and the file watcher call); an invalid file is refused with
// located issues and counted, and the old config stays; a stream in flight finishes.
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { keepAliveOver, openProxy, sendConnect, tlsInTunnel } from '../helpers/clients.ts';
import { agentDispatcher, useGateway, type Fixture } from './fixture.ts';
import { sample } from './replicas.ts';

const ADMIN_TOKEN = 'e2e-admin-token-reload';

/** The policy, with optional extra rules for the github host. */
function policy(fx: Fixture, extraRules = '', readRule = true): string {
  const github = `api.github.test:${fx.upstream.port}`;
  return `
policies:
  api:
    rules:
${readRule ? `      - { id: read, host: "${github}", methods: [GET], paths: ["/repos/acme/**"] }\n` : ''}\
      - { id: stream, host: "api.openai.test:${fx.upstream.port}", methods: [GET], paths: [/sse] }
${extraRules}
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [api]
`;
}

const ctx = useGateway((fx) => ({ adminToken: ADMIN_TOKEN, body: policy(fx) }));

async function get(url: string): Promise<{ status: number; code: string | undefined }> {
  const dispatcher = agentDispatcher(ctx);
  try {
    const res = await request(url, { dispatcher });
    await res.body.text();
    return { status: res.statusCode, code: res.headers['x-portcullis-code'] as string | undefined };
  } finally {
    await dispatcher.close();
  }
}

async function metrics(): Promise<string> {
  return (await ctx.gw.admin('/metrics')).text;
}

async function version(): Promise<string> {
  return (await ctx.gw.admin('/v1/policy')).body.version as string;
}

describe('reload', () => {
  it('POST /v1/reload with a valid file changes decisions for new requests, inside an open tunnel too', async () => {
    const github = `api.github.test:${ctx.up}`;
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    expect((await sendConnect(socket, github)).status).toBe(200);
    const inner = await tlsInTunnel(socket, 'api.github.test', ctx.fx.pki.interceptionCa.cert);
    const send = keepAliveOver(inner);
    const inTunnel = (path: string) => send({ path, headers: { host: github } });
    try {
      expect((await inTunnel('/repos/acme/locked/a')).status).toBe(200);
      expect((await inTunnel('/v2/things')).headers['x-portcullis-code']).toBe('no_matching_rule');
      const before = await version();

      await ctx.gw.rewrite({ body: policy(ctx.fx, `\
      - { id: v2, host: "${github}", methods: [GET], paths: ["/v2/**"] }
      - { id: lock, host: "${github}", paths: ["/repos/acme/locked/**"], action: deny }`) });
      const reloaded = await ctx.gw.admin('/v1/reload', { method: 'POST' });
      expect(reloaded.status).toBe(200);
      expect(reloaded.body).toMatchObject({ reloaded: true, changed: true, previous_version: before });
      const after = reloaded.body.version as string;
      expect(after).not.toBe(before);
      expect(await version()).toBe(after);

      // Same connection, same tunnel: the new rules apply.
      const allowed = await inTunnel('/v2/things');
      expect(allowed.status).toBe(200);
      const locked = await inTunnel('/repos/acme/locked/a');
      expect(locked.status).toBe(403);
      expect(locked.headers['x-portcullis-code']).toBe('denied_by_rule');
      expect(inner.destroyed).toBe(false);

      const records = (await ctx.gw.waitForRecords(4)).filter((r) => r.request.host === 'api.github.test');
      expect(records.map((r) => [r.request.path, r.code, r.rule, r.policy_version])).toEqual([
        ['/repos/acme/locked/a', 'ok', 'api/read', before],
        ['/v2/things', 'no_matching_rule', null, before],
        ['/v2/things', 'ok', 'api/v2', after],
        ['/repos/acme/locked/a', 'denied_by_rule', 'api/lock', after],
      ]);
      const text = await metrics();
      expect(sample(text, 'portcullis_config_reloads_total{result="success"}')).toBe(1);
      expect(sample(text, `portcullis_policy_info{version="${after}"}`)).toBe(1);
      expect(text).not.toContain(`portcullis_policy_info{version="${before}"}`);
    } finally {
      inner.destroy();
      socket.destroy();
    }
  });

  it('gateway.reload() (what SIGHUP calls) applies the file too', async () => {
    const before = await version();
    expect((await get(`https://api.github.test:${ctx.up}/repos/acme/widgets`)).status).toBe(200);
    await ctx.gw.rewrite({ body: policy(ctx.fx, `\
      - { id: issues, host: "api.github.test:${ctx.up}", methods: [GET], paths: ["/repos/acme/*/issues"] }`, false) });
    const outcome = await ctx.gw.gateway.reload();
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.version).not.toBe(before);
    expect(await get(`https://api.github.test:${ctx.up}/repos/acme/widgets`)).toEqual({ status: 403, code: 'no_matching_rule' });
    expect(sample(await metrics(), 'portcullis_config_reloads_total{result="success"}')).toBe(2);
  });

  it('leaves are issued on first use, not at start, and kept across a reload with the same CA', async () => {
    const misses = async (): Promise<number> => sample(await metrics(), 'portcullis_leaf_cache_total{result="miss"}') ?? 0;
    const status = async (): Promise<number> => {
      const dispatcher = agentDispatcher(ctx);
      try {
        const res = await request(`https://api.openai.test:${ctx.up}/sse`, { dispatcher });
        await res.body.text();
        return res.statusCode;
      } finally {
        await dispatcher.close();
      }
    };
    const before = await misses();
    expect(await status()).toBe(200);
    // No earlier test reached this host: its first handshake is the one miss.
    expect(await misses()).toBe(before + 1);
    await ctx.gw.rewrite({ body: policy(ctx.fx, '', false) });
    expect((await ctx.gw.gateway.reload()).ok).toBe(true);
    expect(await status()).toBe(200);
    expect(await misses()).toBe(before + 1);
  });

  it('an invalid file is refused with located issues and counted; the old config stays in force', async () => {
    const before = await version();
    const probe = `https://api.openai.test:${ctx.up}/sse?n=1&delay=1`;
    expect((await get(probe)).status).toBe(200);

    await ctx.gw.rewrite({ body: policy(ctx.fx, `\
      - { id: typo, hosts: "api.github.test", rate: lots }`, false) });
    const refused = await ctx.gw.admin('/v1/reload', { method: 'POST' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('config_invalid');
    expect(refused.body.error.message).toContain(before);
    const issues = refused.body.error.issues as { file: string; line: number; column: number; path: string; message: string }[];
    expect(issues.length).toBeGreaterThanOrEqual(2);
    for (const issue of issues) {
      expect(issue.file).toBe(ctx.gw.configFile);
      expect(issue.line).toBeGreaterThan(0);
      expect(issue.path).toMatch(/^policies\.api\.rules\[1\]/);
    }
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['policies.api.rules[1].hosts', 'policies.api.rules[1].rate']));

    // Not YAML at all, through the SIGHUP path.
    await ctx.gw.rewrite('version: 1\npolicies: [unclosed\n');
    const broken = await ctx.gw.gateway.reload();
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.issues[0]).toMatchObject({ file: ctx.gw.configFile });

    expect(await version()).toBe(before);
    expect((await get(probe)).status).toBe(200);
    const text = await metrics();
    expect(sample(text, 'portcullis_config_reloads_total{result="failure"}')).toBe(2);
    expect(sample(text, `portcullis_policy_info{version="${before}"}`)).toBe(1);
    const record = (await ctx.gw.records()).at(-1);
    expect(record).toMatchObject({ decision: 'allow', rule: 'api/stream', policy_version: before });
  });

  it('a streaming response in flight during a reload completes, recorded under the version that allowed it', async () => {
    await ctx.gw.rewrite({ body: policy(ctx.fx) });
    expect((await ctx.gw.gateway.reload()).ok).toBe(true);
    const before = await version();
    const dispatcher = agentDispatcher(ctx);
    try {
      const res = await request(`https://api.openai.test:${ctx.up}/sse?n=8&delay=100`, { dispatcher });
      expect(res.statusCode).toBe(200);
      const chunks: string[] = [];
      let reloadedAt = 0;
      let lastAt = 0;
      for await (const chunk of res.body) {
        chunks.push(chunk.toString());
        lastAt = performance.now();
        // After the first chunk: reload to a policy without the stream rule at all.
        if (chunks.length === 1) {
          await ctx.gw.rewrite({ body: policy(ctx.fx).replace(/^.*id: stream.*$/m, '') });
          expect((await ctx.gw.admin('/v1/reload', { method: 'POST' })).status).toBe(200);
          reloadedAt = performance.now();
        }
      }
      // Chunks are 100 ms apart upstream: the stream went on flowing well after the reload.
      expect(lastAt - reloadedAt).toBeGreaterThan(300);
      const text = chunks.join('');
      expect(text).toContain('data: {"i":7}');
      expect(text).toContain('data: [DONE]');
      expect(chunks.length).toBeGreaterThan(1);
    } finally {
      await dispatcher.close();
    }
    expect(await version()).not.toBe(before);
    const record = (await ctx.gw.waitForRecords(1)).filter((r) => r.request.path === '/sse').at(-1);
    expect(record).toMatchObject({ decision: 'allow', rule: 'api/stream', response: { status: 200 }, policy_version: before });
    // The host has no rule left: a new CONNECT to it is refused.
    const socket = await openProxy(ctx.gw.port, { ca: ctx.fx.pki.interceptionCa.cert, client: ctx.fx.pki.agents['finance-auditor'] });
    const refused = await sendConnect(socket, `api.openai.test:${ctx.up}`);
    socket.destroy();
    expect(refused.status).toBe(403);
    expect(refused.headers['x-portcullis-code']).toBe('no_matching_rule');
  });
});
