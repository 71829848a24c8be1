// The counter store goes away mid-run (issue 4, SPEC §5): with `store.on_error: deny` a metered
// request is answered 503 `store_unavailable` within 2 s; with `allow` it is forwarded and its
// audit record says so; once Redis is back, traffic flows again within 5 s, without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { makeFixture, type Fixture } from './fixture.ts';
import { chatBody, dispatcherFor, expectedUsd, post, pricesYaml, recordOf, type Sent } from './money-fixture.ts';

const BODY = chatBody({ maxTokens: 50, words: 30 });
/** The upstream's default chat usage: 12 prompt and 3 completion tokens. */
const COST = expectedUsd('gpt-4o-mini', { input: 12, output: 3 });

function policy(fx: Fixture, redis: TestRedis, onError: 'deny' | 'allow'): string {
  return `store: { url: "${redis.url}", on_error: ${onError} }
${pricesYaml()}
policies:
  llm:
    rules:
      - { id: openai, host: "api.openai.test:${fx.upstream.port}", methods: [POST], paths: [/v1/chat/completions], meter: openai, rate: 1000/min }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [llm]
budgets:
  finance-auditor:
    - { id: daily, limit_usd: 10, per: day }
`;
}

describe.skipIf(!redisAvailable)('the counter store failing under two running gateways', () => {
  let fx: Fixture;
  let redis: TestRedis;
  let closed: TestGateway;
  let open: TestGateway;
  let toClosed: Dispatcher;
  let toOpen: Dispatcher;
  beforeAll(async () => {
    fx = await makeFixture();
    redis = await startRedis();
    closed = await startTestGateway(fx.pki, { body: policy(fx, redis, 'deny'), name: 'store-deny' });
    open = await startTestGateway(fx.pki, { body: policy(fx, redis, 'allow'), name: 'store-allow' });
    toClosed = dispatcherFor(fx, closed);
    toOpen = dispatcherFor(fx, open);
  });
  afterAll(async () => {
    await toClosed?.close();
    await toOpen?.close();
    await closed?.close();
    await open?.close();
    await redis?.stop();
    await fx?.close();
  });

  const chat = (dispatcher: Dispatcher, run: string): Promise<Sent> =>
    post(dispatcher, `https://api.openai.test:${fx.upstream.port}/v1/chat/completions`, BODY, { 'x-test-run': run });
  const arrived = (run: string): number => fx.upstream.seen.filter((s) => s.headers['x-test-run'] === run).length;

  /** Sends until a request is allowed and counted against its budget (bounded: 6 s); returns its audit record. */
  async function firstAllowed(send: () => Promise<Sent>, gw: TestGateway, since: number): Promise<Record<string, any>> {
    for (let probe = 0; probe < 100 && performance.now() - since < 6_000; probe++) {
      const sent = await send();
      if (sent.status === 200) {
        const record = await recordOf([gw], sent.requestId);
        if (record.budgets !== null) return record;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('traffic did not flow again within 6 s of Redis coming back');
  }

  it('503 store_unavailable within 2 s (on_error: deny), forwarded and recorded (allow); flowing again within 5 s of its return', async () => {
    const before = await chat(toClosed, 'before');
    expect(before.status).toBe(200);
    expect(await recordOf([closed], before.requestId)).toMatchObject({ decision: 'allow', budgets: [{ id: 'daily', limit_usd: 10 }] });

    await redis.kill();

    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const refused = await chat(toClosed, 'down-deny');
      latencies.push(performance.now() - started);
      expect(refused.status).toBe(503);
      expect(refused.headers['x-portcullis-code']).toBe('store_unavailable');
      expect(refused.json().error).toMatchObject({ type: 'gateway_error', code: 'store_unavailable', request_id: refused.requestId });
      expect(await recordOf([closed], refused.requestId)).toMatchObject({
        decision: 'deny', code: 'store_unavailable', usage: null, cost_usd: null, budgets: null, response: { status: 503 },
      });
    }
    expect(Math.max(...latencies)).toBeLessThan(2_000);
    expect(arrived('down-deny')).toBe(0);

    const unchecked = await chat(toOpen, 'down-allow');
    expect(unchecked.status).toBe(200);
    const uncheckedRecord = await recordOf([open], unchecked.requestId);
    // Metered and recorded, but counted against no budget: the store could not be asked.
    expect(uncheckedRecord).toMatchObject({
      decision: 'allow', code: 'ok', usage: { model: 'gpt-4o-mini', input_tokens: 12, output_tokens: 3 }, budgets: null,
    });
    expect(uncheckedRecord.message).toContain('store.on_error: allow');
    expect(Math.abs(uncheckedRecord.cost_usd - COST)).toBeLessThanOrEqual(1e-9);
    expect(arrived('down-allow')).toBe(1);

    await redis.restart();
    const back = performance.now();
    const recovered = await firstAllowed(() => chat(toClosed, 'back'), closed, back);
    const recoveryMs = performance.now() - back;
    expect(recoveryMs).toBeLessThan(5_000);
    // The restarted Redis is empty (no persistence): this request is the day's only spend.
    expect(recovered).toMatchObject({ decision: 'allow', message: null, budgets: [{ id: 'daily', limit_usd: 10 }] });
    expect(Math.abs(recovered.budgets[0].spent_usd - COST)).toBeLessThanOrEqual(1e-9);

    // The other gateway counts against the budget again too (until then it kept forwarding).
    const counted = await firstAllowed(() => chat(toOpen, 'back-allow'), open, back);
    expect(performance.now() - back).toBeLessThan(5_000);
    expect(counted).toMatchObject({ decision: 'allow', message: null, usage: { input_tokens: 12, output_tokens: 3 } });
    expect(Math.abs(counted.budgets[0].spent_usd - 2 * COST)).toBeLessThanOrEqual(1e-9);
    console.info(`[money] Redis killed: 503 after ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms; traffic back ${recoveryMs.toFixed(0)} ms after Redis returned`);
  });

  it('a Redis that stops answering without closing (SIGSTOP): still 503 within 2 s; flowing again once it answers', async () => {
    await firstAllowed(() => chat(toClosed, 'warm'), closed, performance.now());
    const latencies: number[] = [];
    process.kill(redis.pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        const refused = await chat(toClosed, 'hung');
        latencies.push(performance.now() - started);
        expect(refused.status).toBe(503);
        expect(await recordOf([closed], refused.requestId)).toMatchObject({ decision: 'deny', code: 'store_unavailable', cost_usd: null, budgets: null });
      }
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    expect(Math.max(...latencies)).toBeLessThan(2_000);
    expect(arrived('hung')).toBe(0);
    const back = performance.now();
    const recovered = await firstAllowed(() => chat(toClosed, 'unhung'), closed, back);
    const recoveryMs = performance.now() - back;
    expect(recoveryMs).toBeLessThan(5_000);
    expect(recovered).toMatchObject({ decision: 'allow', message: null, usage: { input_tokens: 12, output_tokens: 3 }, budgets: [{ id: 'daily' }] });
    expect(Math.abs(recovered.cost_usd - COST)).toBeLessThanOrEqual(1e-9);
    console.info(`[money] Redis hung: 503 after ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms; traffic back ${recoveryMs.toFixed(0)} ms after it answered`);
  });
});
