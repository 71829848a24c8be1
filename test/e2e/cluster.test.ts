// Two running gateways whose store.url names a three-node Redis Cluster (SPEC §9: one Redis,
// "standalone, Sentinel or Cluster"): a rate and a budget hold across the replicas, a suspension
// made on one is obeyed by the other, and the audit records say why.
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { openProxy, sendConnect, type RawResponse } from '../helpers/clients.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { redisAvailable } from '../helpers/redis.ts';
import { agentDispatcher } from './fixture.ts';
import { eventually, recordOn, useReplicas } from './replicas.ts';

describe.skipIf(!redisAvailable)('two replicas on a Redis Cluster', () => {
  const r = useReplicas((fx) => `
policies:
  api:
    rules:
      - { id: read, host: "api.github.test:${fx.upstream.port}", methods: [GET], paths: ["/repos/**"], rate: 3/min }
      - { id: paid, host: "api.github.test:${fx.upstream.port}", methods: [GET], paths: ["/paid/**"], meter: { usd_per_request: 0.01 } }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    team: finance
    policies: [api]
budgets:
  finance-auditor:
    - { id: daily, limit_usd: 0.02, per: day }
`, {}, 'cluster');

  afterEach(async () => {
    await r.a.admin('/v1/agents/finance-auditor/resume', { body: {} });
  });

  async function get(gw: TestGateway, path: string): Promise<{ status: number; code: string | undefined; id: string | undefined }> {
    const dispatcher = agentDispatcher(r.on(gw));
    try {
      const res = await request(`https://api.github.test:${r.up}${path}`, { dispatcher });
      await res.body.dump();
      const header = (name: string): string | undefined => res.headers[name] as string | undefined;
      return { status: res.statusCode, code: header('x-portcullis-code'), id: header('x-portcullis-request-id') };
    } finally {
      await dispatcher.close();
    }
  }

  it('counts one rate limit across both replicas: the 4th request in a minute is refused wherever it lands', async () => {
    expect((await get(r.a, '/repos/1')).status).toBe(200);
    expect((await get(r.b, '/repos/2')).status).toBe(200);
    expect((await get(r.a, '/repos/3')).status).toBe(200);
    const refused = await get(r.b, '/repos/4');
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(await recordOn(r.b, (rec) => rec.request.path === '/repos/4')).toMatchObject({ decision: 'deny', code: 'rate_limited', rule: 'api/read' });
  });

  it('charges one budget across both replicas: the 3rd $0.01 request of a $0.02 day is refused', async () => {
    expect((await get(r.a, '/paid/1')).status).toBe(200);
    expect((await get(r.b, '/paid/2')).status).toBe(200);
    const refused = await get(r.a, '/paid/3');
    expect(refused).toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(await recordOn(r.b, (rec) => rec.request.path === '/paid/2')).toMatchObject({ decision: 'allow', cost_usd: 0.01 });
    expect(await recordOn(r.a, (rec) => rec.request.path === '/paid/3')).toMatchObject({ decision: 'deny', code: 'budget_exceeded' });
  });

  /** A raw CONNECT on `gw`: a suspended agent is refused there, before any request. */
  async function connect(gw: TestGateway): Promise<RawResponse> {
    const socket = await openProxy(gw.port, { ca: r.fx.pki.interceptionCa.cert, client: r.fx.pki.agents['finance-auditor'] });
    try {
      return await sendConnect(socket, `api.github.test:${r.up}`);
    } finally {
      socket.destroy();
    }
  }

  it('a suspension made through one replica is obeyed by the other within a second', async () => {
    expect((await connect(r.b)).status).toBe(200);
    expect((await r.a.admin('/v1/agents/finance-auditor/suspend', { body: { reason: 'cluster drill', by: 'alice' } })).status).toBe(200);
    const { value, elapsedMs } = await eventually(() => connect(r.b), (res) => res.status === 403, 1_000);
    expect(value.status).toBe(403);
    expect(value.headers['x-portcullis-code']).toBe('agent_suspended');
    expect(elapsedMs).toBeLessThan(1_000);
    expect(await recordOn(r.b, (rec) => rec.code === 'agent_suspended')).toMatchObject({ decision: 'deny', agent: 'finance-auditor' });
  });
});
