// Governance through two running gateways that share one Redis (issue 6): the kill switch cuts
// open tunnels and refuses new work on every replica within a second, flags flip rules on every
// replica, schedules deny outside their hours, and a report-mode rule forwards and records.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { openProxy, requestOver, sendConnect, tlsInTunnel, type RawResponse } from '../helpers/clients.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { redisAvailable } from '../helpers/redis.ts';
import { agentDispatcher } from './fixture.ts';
import { curlVia, eventually, recordOn, sample, useReplicas } from './replicas.ts';

// 2030-01-02 is a Wednesday, 2030-01-05 a Saturday. null: the real clock.
const WEDNESDAY_10_BERLIN = Date.parse('2030-01-02T09:00:00Z');
const WEDNESDAY_18_30_BERLIN = Date.parse('2030-01-02T17:30:00Z');
const SATURDAY_NOON = Date.parse('2030-01-05T12:00:00Z');
let clock: number | null = null;

describe.skipIf(!redisAvailable)('governance across two replicas sharing Redis', () => {
  const r = useReplicas((fx) => `
policies:
  api:
    rules:
      - { id: read, host: "api.github.test:${fx.upstream.port}", methods: [GET], paths: ["/repos/acme/**"] }
      - id: deploy
        host: "api.github.test:${fx.upstream.port}"
        methods: [POST]
        paths: ["/deploy/**"]
        when: { flags: { freeze: false } }
      - { id: prod, host: "api.github.test:${fx.upstream.port}", methods: [POST], paths: ["/prod/**"] }
      - id: no-prod-in-freeze
        host: "api.github.test:${fx.upstream.port}"
        methods: [POST]
        paths: ["/prod/**"]
        action: deny
        when: { flags: { freeze: true } }
      - id: no-deletes
        host: "api.github.test:${fx.upstream.port}"
        methods: [DELETE]
        action: deny
        mode: report
      - { id: delete, host: "api.github.test:${fx.upstream.port}", methods: [DELETE] }
      - id: office-hours
        host: "api.openai.test:${fx.upstream.port}"
        paths: ["/office/**"]
        when: { schedule: { days: [mon-fri], hours: "09:00-17:00", tz: Europe/Berlin } }
  plain:
    rules:
      - { id: plain, host: "plain.test:${fx.plainUpstream.port}", methods: [GET] }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [api, plain]
  cn-only-agent:
    match: { cn: cn-only-agent }
    policies: [api, plain]
`, { now: () => clock ?? Date.now() });

  // A failed test must not leave a switch set for the next one.
  afterEach(async () => {
    clock = null;
    await r.a.admin('/v1/resume-all', { body: {} });
    for (const agent of ['finance-auditor', 'cn-only-agent']) await r.a.admin(`/v1/agents/${agent}/resume`, { body: {} });
    await r.a.admin('/v1/flags/freeze', { method: 'PUT', body: { value: false } });
  });

  const plainUrl = (path: string): string => `http://plain.test:${r.fx.plainUpstream.port}${path}`;

  /** A raw CONNECT on `gw` as `agent`; the socket is closed afterwards. */
  async function connectAs(gw: TestGateway, agent: string): Promise<RawResponse> {
    const socket = await openProxy(gw.port, { ca: r.fx.pki.interceptionCa.cert, client: r.fx.pki.agents[agent] });
    try {
      return await sendConnect(socket, `api.github.test:${r.up}`);
    } finally {
      socket.destroy();
    }
  }

  async function send(gw: TestGateway, method: string, path: string, agent = 'finance-auditor') {
    const dispatcher = agentDispatcher(r.on(gw), agent);
    try {
      const res = await request(`https://api.github.test:${r.up}${path}`, { method, dispatcher, ...(method === 'POST' ? { body: '{}' } : {}) });
      const text = await res.body.text();
      return { status: res.statusCode, code: res.headers['x-portcullis-code'], text };
    } finally {
      await dispatcher.close();
    }
  }

  describe('kill switch', () => {
    it('a suspension made on one replica cuts an open tunnel on the other within 1 s; new work is refused on both', async () => {
      const tunnel = await openProxy(r.a.port, { ca: r.fx.pki.interceptionCa.cert, client: r.fx.pki.agents['finance-auditor'] });
      expect((await sendConnect(tunnel, `api.github.test:${r.up}`)).status).toBe(200);
      const inner = await tlsInTunnel(tunnel, 'api.github.test', r.fx.pki.interceptionCa.cert);
      const first = await requestOver(inner, { path: '/repos/acme/before', headers: { host: `api.github.test:${r.up}` } });
      expect(first.status).toBe(200);
      const closed = new Promise<number>((resolve) => inner.once('close', () => resolve(performance.now())));

      const started = performance.now();
      const suspended = await r.b.admin('/v1/agents/finance-auditor/suspend', { body: { reason: 'incident 42', by: 'alice' } });
      expect(suspended.status).toBe(200);
      expect(suspended.body).toEqual({ agent: 'finance-auditor', suspended: true, reason: 'incident 42', by: 'alice' });
      const cut = await Promise.race([closed, new Promise<null>((resolve) => setTimeout(resolve, 1500, null))]);
      expect(cut, 'the open tunnel on replica a was closed').not.toBeNull();
      expect(cut! - started).toBeLessThan(1000);

      for (const gw of [r.a, r.b]) {
        const connect = await connectAs(gw, 'finance-auditor');
        expect(connect.status).toBe(403);
        const body = JSON.parse(connect.body);
        expect(body.error).toMatchObject({ type: 'egress_denied', code: 'agent_suspended', agent: 'finance-auditor' });
        expect(body.error.message).toContain('incident 42');
        const plain = await curlVia(r.fx, gw, 'finance-auditor', plainUrl('/after-suspend'));
        expect(plain.status).toBe(403);
        expect(JSON.parse(plain.body).error.code).toBe('agent_suspended');
        // Another agent is untouched.
        expect((await curlVia(r.fx, gw, 'cn-only-agent', plainUrl('/other-agent'))).status).toBe(200);
      }
      expect(r.fx.plainUpstream.seen.some((s) => s.url === '/after-suspend')).toBe(false);

      // The records of the refusals name who suspended the agent and why; so does the metric.
      const connectRecord = await recordOn(r.a, (rec) => rec.code === 'agent_suspended' && rec.request.method === 'CONNECT');
      expect(connectRecord).toMatchObject({ decision: 'deny', agent: 'finance-auditor', request: { host: 'api.github.test', port: r.up } });
      expect(connectRecord!.message).toContain('alice');
      expect(connectRecord!.message).toContain('incident 42');
      const plainRecord = await recordOn(r.b, (rec) => rec.code === 'agent_suspended' && rec.request.path === '/after-suspend');
      expect(plainRecord).toMatchObject({ decision: 'deny', rule: null, response: { status: 403 } });
      expect(plainRecord!.message).toContain('alice');
      const metrics = (await r.b.admin('/metrics')).text;
      expect(sample(metrics, 'portcullis_suspensions_total{agent="finance-auditor",by="alice"}')).toBe(1);
      const agents = (await r.a.admin('/v1/agents')).body;
      expect(agents.agents.find((a: any) => a.id === 'finance-auditor').suspension).toMatchObject({ by: 'alice', reason: 'incident 42' });

      // Resumed through replica a: replica b lets the agent through again within 1 s.
      expect((await r.a.admin('/v1/agents/finance-auditor/resume', { body: { by: 'bob' } })).body).toMatchObject({ suspended: false });
      const back = await eventually(() => curlVia(r.fx, r.b, 'finance-auditor', plainUrl('/after-resume')), (res) => res.status === 200, 1000);
      expect(back.value.status).toBe(200);
      expect(back.elapsedMs).toBeLessThan(1000);
      expect((await connectAs(r.b, 'finance-auditor')).status).toBe(200);
      expect(await recordOn(r.b, (rec) => rec.request.path === '/after-resume')).toMatchObject({ decision: 'allow', code: 'ok', rule: 'plain/plain' });
    });

    it('suspend-all stops every agent on both replicas; resume-all restores them', async () => {
      const all = await r.a.admin('/v1/suspend-all', { body: { by: 'carol', reason: 'breach drill' } });
      expect(all.status).toBe(200);
      const stopped = await eventually(() => curlVia(r.fx, r.b, 'cn-only-agent', plainUrl('/during-all')), (res) => res.status === 403, 1000);
      expect(stopped.elapsedMs).toBeLessThan(1000);
      expect(JSON.parse(stopped.value.body).error.code).toBe('agent_suspended');
      for (const agent of ['finance-auditor', 'cn-only-agent']) {
        expect(JSON.parse((await connectAs(r.a, agent)).body).error.code).toBe('agent_suspended');
      }
      expect((await r.b.admin('/v1/agents')).body.suspended_all).toMatchObject({ agent: '*', by: 'carol', reason: 'breach drill' });
      const record = await recordOn(r.b, (rec) => rec.request.path === '/during-all');
      expect(record).toMatchObject({ decision: 'deny', code: 'agent_suspended', agent: 'cn-only-agent' });
      expect(record!.message).toContain('carol');
      expect(sample((await r.a.admin('/metrics')).text, 'portcullis_suspensions_total{agent="*",by="carol"}')).toBe(1);

      expect((await r.b.admin('/v1/resume-all', { body: { by: 'carol' } })).body).toEqual({ agent: '*', suspended: false, suspended_agents: [] });
      const back = await eventually(() => curlVia(r.fx, r.a, 'cn-only-agent', plainUrl('/after-all')), (res) => res.status === 200, 1000);
      expect(back.value.status).toBe(200);
      expect(back.elapsedMs).toBeLessThan(1000);
    });
  });

  describe('flags', () => {
    it('freeze set on one replica blocks the rules it guards on both; lifting it on the other restores them', async () => {
      expect((await send(r.a, 'POST', '/deploy/1')).status).toBe(200);
      expect((await send(r.b, 'POST', '/prod/1')).status).toBe(200);

      const set = await r.a.admin('/v1/flags/freeze', { method: 'PUT', body: { value: true, by: 'dave' } });
      expect(set.body).toEqual({ flag: 'freeze', value: true });
      const frozen = await eventually(() => send(r.b, 'POST', '/deploy/2'), (res) => res.status === 403, 1000);
      expect(frozen.elapsedMs).toBeLessThan(1000);
      expect(frozen.value.code).toBe('condition_not_met');
      expect(JSON.parse(frozen.value.text).error.message).toContain('flags.freeze must be false');
      for (const gw of [r.a, r.b]) {
        const prod = await send(gw, 'POST', '/prod/2');
        expect(prod.status).toBe(403);
        expect(prod.code).toBe('denied_by_rule');
        expect((await send(gw, 'POST', '/deploy/3')).code).toBe('condition_not_met');
      }
      expect((await r.b.admin('/v1/flags')).body).toEqual({ flags: { freeze: true } });
      expect(r.fx.upstream.seen.filter((s) => ['/deploy/2', '/prod/2', '/deploy/3'].includes(s.url))).toEqual([]);
      expect(await recordOn(r.b, (rec) => rec.request.path === '/deploy/2'))
        .toMatchObject({ decision: 'deny', code: 'condition_not_met', rule: 'api/deploy' });
      expect(await recordOn(r.a, (rec) => rec.request.path === '/prod/2'))
        .toMatchObject({ decision: 'deny', code: 'denied_by_rule', rule: 'api/no-prod-in-freeze' });

      expect((await r.b.admin('/v1/flags/freeze', { method: 'PUT', body: { value: false } })).status).toBe(200);
      const thawed = await eventually(() => send(r.a, 'POST', '/deploy/4'), (res) => res.status === 200, 1000);
      expect(thawed.elapsedMs).toBeLessThan(1000);
      expect((await send(r.b, 'POST', '/prod/4')).status).toBe(200);
      expect(await recordOn(r.a, (rec) => rec.request.path === '/deploy/4')).toMatchObject({ decision: 'allow', rule: 'api/deploy' });
      expect(await recordOn(r.b, (rec) => rec.request.path === '/prod/4')).toMatchObject({ decision: 'allow', rule: 'api/prod' });
    });
  });

  describe('schedule', () => {
    it('outside its hours the rule denies with condition_not_met naming the condition; inside it allows', async () => {
      const get = async (path: string) => {
        const dispatcher = agentDispatcher(r.on(r.a));
        try {
          const res = await request(`https://api.openai.test:${r.up}${path}`, { dispatcher });
          return { status: res.statusCode, body: await res.body.text() };
        } finally {
          await dispatcher.close();
        }
      };
      try {
        for (const [at, path] of [[SATURDAY_NOON, '/office/saturday'], [WEDNESDAY_18_30_BERLIN, '/office/evening']] as const) {
          clock = at;
          const res = await get(path);
          expect(res.status).toBe(403);
          const error = JSON.parse(res.body).error;
          expect(error.code).toBe('condition_not_met');
          expect(error.message).toContain('outside schedule mon-fri 09:00-17:00 Europe/Berlin');
          expect(error.message).toContain('api/office-hours');
          const record = await recordOn(r.a, (rec) => rec.request.path === path);
          expect(record).toMatchObject({ decision: 'deny', code: 'condition_not_met', rule: 'api/office-hours' });
          expect(record!.message).toContain('outside schedule');
        }
        clock = WEDNESDAY_10_BERLIN;
        expect((await get('/office/wednesday')).status).toBe(200);
        expect(await recordOn(r.a, (rec) => rec.request.path === '/office/wednesday')).toMatchObject({ decision: 'allow', rule: 'api/office-hours' });
      } finally {
        clock = null;
      }
      expect(r.fx.upstream.seen.map((s) => s.url).filter((u) => u.startsWith('/office/'))).toEqual(['/office/wednesday']);
    });
  });

  describe('report mode', () => {
    it('a deny rule in mode: report forwards the request and records what it would have done', async () => {
      const res = await send(r.b, 'DELETE', '/repos/acme/branch');
      expect(res.status).toBe(200);
      expect(res.code).toBeUndefined();
      expect(r.fx.upstream.seen.some((s) => s.method === 'DELETE' && s.url === '/repos/acme/branch')).toBe(true);
      const record = await recordOn(r.b, (rec) => rec.request.method === 'DELETE');
      expect(record).toMatchObject({
        decision: 'report', code: 'denied_by_rule', rule: 'api/no-deletes', mode: 'report',
        response: { status: 200 },
      });
      expect(record!.message).toContain('denied by rule api/no-deletes');
      const metrics = (await r.b.admin('/metrics')).text;
      expect(sample(metrics, 'portcullis_requests_total{agent="finance-auditor",decision="report",code="denied_by_rule",rule="api/no-deletes"}')).toBe(1);
    });
  });
});
