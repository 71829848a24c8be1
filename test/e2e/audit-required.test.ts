// `audit.required: true` through the running gateway (issue 5): with its only sink (a Redis
// Stream) down, traffic is refused 503 audit_unavailable — requests and CONNECTs alike — and the
// replica reports not ready; when Redis is back traffic flows again, and the refusals recorded
// meanwhile reach the stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProxy, sendConnect } from '../helpers/clients.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { makeFixture, policyYaml, type Fixture } from './fixture.ts';
import { curlVia, eventually } from './replicas.ts';

describe.skipIf(!redisAvailable)('audit.required with every sink down', () => {
  let fx: Fixture;
  let redis: TestRedis;
  let gw: TestGateway;
  beforeAll(async () => {
    fx = await makeFixture();
    redis = await startRedis();
    gw = await startTestGateway(fx.pki, {
      body: policyYaml(fx.upstream.port, fx.plainUpstream.port),
      adminToken: 'e2e-admin-token-audit',
      audit: '  required: true',
      sinks: `    - { type: redis-stream, stream: "portcullis:audit", url: "${redis.url}" }`,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
    await fx?.close();
  });

  const plain = (path: string) => curlVia(fx, gw, 'finance-auditor', `http://plain.test:${fx.plainUpstream.port}${path}`);
  const recordsWith = async (code: string): Promise<Record<string, any>[]> => {
    const res = await gw.admin(`/v1/audit?code=${code}&limit=50`);
    return res.status === 200 ? res.body.records : [];
  };

  it('refuses with 503 audit_unavailable while the sink is down, and recovers when it is back', async () => {
    expect((await plain('/before')).status).toBe(200);
    expect((await gw.admin('/readyz', { token: null })).status).toBe(200);
    const first = await eventually(() => recordsWith('ok'), (records) => records.length > 0, 3000);
    expect(first.value[0]).toMatchObject({ decision: 'allow', request: { path: '/before' } });

    await redis.kill();
    const refused = await eventually(() => plain('/during'), (res) => res.status === 503, 3000);
    expect(refused.value.status).toBe(503);
    const error = JSON.parse(refused.value.body).error;
    expect(error).toMatchObject({ type: 'gateway_error', code: 'audit_unavailable', agent: 'finance-auditor' });

    const socket = await openProxy(gw.port, { ca: fx.pki.interceptionCa.cert, client: fx.pki.agents['finance-auditor'] });
    const connect = await sendConnect(socket, `api.openai.test:${fx.upstream.port}`);
    socket.destroy();
    expect(connect.status).toBe(503);
    expect(connect.headers['x-portcullis-code']).toBe('audit_unavailable');
    const connectId = JSON.parse(connect.body).error.request_id as string;

    const ready = await gw.admin('/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', failed: ['audit'] });
    expect(fx.plainUpstream.seen.some((s) => s.url === '/during'), 'a refused request is not forwarded').toBe(false);

    await redis.restart();
    const back = await eventually(() => plain('/after'), (res) => res.status === 200, 5000);
    expect(back.value.status).toBe(200);
    expect(back.elapsedMs).toBeLessThan(5000);
    expect((await gw.admin('/readyz', { token: null })).status).toBe(200);

    // The refusals were held in the sink's queue and delivered once Redis returned.
    const { value } = await eventually(() => recordsWith('audit_unavailable'), (records) => records.some((r) => r.id === connectId), 3000);
    expect(value.find((r) => r.id === error.request_id)).toMatchObject({ decision: 'deny', request: { path: '/during' }, response: { status: 503 } });
    expect(value.find((r) => r.id === connectId)).toMatchObject({ decision: 'deny', request: { method: 'CONNECT' } });
  });
});
