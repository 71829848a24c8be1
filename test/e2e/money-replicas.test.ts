// Spend ceilings and rates hold under concurrency and across replicas (issue 4, SPEC §5): 200
// concurrent metered requests at a ceiling that allows about 20, through two gateways sharing
// one Redis and through one gateway on the in-memory store; a 5/min rate across two gateways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { makeFixture, type Fixture } from './fixture.ts';
import {
  chatBody, dispatcherFor, estimatedInputTokens, estimateUsd, expectedUsd, post, pricesYaml, recordsFor, type Sent,
} from './money-fixture.ts';

const PATH = '/v1/chat/completions';
const BODY = chatBody({ maxTokens: 400 });
/** What the gateway reserves for each request. */
const ESTIMATE = estimateUsd('openai', PATH, BODY);
// A real tokenizer counts the chat format too (~3 tokens per message plus 3 to prime the
// reply), so the prompt is billed a little above the estimate; the output stops at or before
// max_tokens (400: cut off at the limit, the only case that costs more than the reservation).
const PROMPT_TOKENS = estimatedInputTokens(BODY) + 9;
const OUTPUT_TOKENS = [212, 400, 96, 340, 158];
/** The largest single estimate error of the run: actual cost − reservation of the dearest request. */
const LARGEST_ERROR = Math.max(...OUTPUT_TOKENS.map((output) => expectedUsd('gpt-4o-mini', { input: PROMPT_TOKENS, output }) - ESTIMATE));
const REQUESTS = 200;
/** Room for 20 reservations and half of another. */
const LIMIT = Number((20.5 * ESTIMATE).toFixed(9));
/** The upstream holds each answer this long, so most reservations overlap. */
const UPSTREAM_DELAY_MS = 300;

function policy(fx: Fixture, store: string): string {
  const up = fx.upstream.port;
  return `${store}
${pricesYaml()}
policies:
  llm:
    rules:
      - { id: openai, host: "api.openai.test:${up}", methods: [POST], paths: [${PATH}], meter: openai }
  rated:
    rules:
      - { id: openai, host: "api.openai.test:${up}", methods: [POST], paths: [${PATH}], meter: openai, rate: 5/min }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [llm]
  cn-only-agent:
    match: { cn: cn-only-agent }
    policies: [rated]
budgets:
  finance-auditor:
    - { id: daily, limit_usd: ${LIMIT}, per: day }
  cn-only-agent:
    - { id: rated-daily, limit_usd: 10, per: day }
`;
}

let fx: Fixture;
beforeAll(async () => {
  fx = await makeFixture();
});
afterAll(async () => {
  await fx?.close();
});

interface Outcome {
  readonly sent: Sent;
  readonly usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** 200 concurrent requests spread round-robin over `gateways`; each names the usage the upstream reports. */
async function race(gateways: readonly TestGateway[], run: string): Promise<Outcome[]> {
  const dispatchers = gateways.map((gw) => dispatcherFor(fx, gw));
  try {
    return await Promise.all(Array.from({ length: REQUESTS }, async (_, i) => {
      const completion = OUTPUT_TOKENS[i % OUTPUT_TOKENS.length]!;
      const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: completion, total_tokens: PROMPT_TOKENS + completion };
      const sent = await post(dispatchers[i % dispatchers.length]!, `https://api.openai.test:${fx.upstream.port}${PATH}`, BODY, {
        'x-test-usage': JSON.stringify(usage),
        'x-test-delay-ms': String(UPSTREAM_DELAY_MS),
        'x-test-run': run,
      });
      return { sent, usage };
    }));
  } finally {
    await Promise.all(dispatchers.map((d) => d.close()));
  }
}

/** The ceiling held: what every client got, what reached the upstream, and every audit record. */
async function expectCeilingHeld(gateways: readonly TestGateway[], run: string, outcomes: readonly Outcome[]): Promise<void> {
  const started = Date.now();
  const allowed = outcomes.filter((o) => o.sent.status === 200);
  const refused = outcomes.filter((o) => o.sent.status === 402);
  expect(allowed.length + refused.length).toBe(REQUESTS);
  expect(allowed.length).toBeGreaterThanOrEqual(Math.floor(LIMIT / ESTIMATE));
  expect(fx.upstream.seen.filter((s) => s.headers['x-test-run'] === run)).toHaveLength(allowed.length);

  const actual = allowed.map((o) => expectedUsd('gpt-4o-mini', { input: o.usage.prompt_tokens, output: o.usage.completion_tokens }));
  const total = actual.reduce((a, b) => a + b, 0);
  expect(LARGEST_ERROR).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(LIMIT + LARGEST_ERROR);

  for (const { sent } of refused) {
    expect(sent.headers['x-portcullis-code']).toBe('budget_exceeded');
    const error = sent.json().error;
    expect(error).toMatchObject({ type: 'egress_denied', code: 'budget_exceeded', agent: 'finance-auditor', request_id: sent.requestId });
    expect(Object.keys(error.budget).sort()).toEqual(['id', 'limit_usd', 'reserved_usd', 'resets_at', 'spent_usd']);
    expect(error.budget).toMatchObject({ id: 'daily', limit_usd: LIMIT });
    // Refused because this request's reservation would cross the ceiling.
    expect(error.budget.spent_usd + error.budget.reserved_usd + ESTIMATE).toBeGreaterThan(LIMIT);
    const resets = Date.parse(error.budget.resets_at);
    expect(error.budget.resets_at).toMatch(/T00:00:00\.000Z$/);
    expect(resets).toBeGreaterThan(started - 60_000);
    expect(resets - started).toBeLessThanOrEqual(86_400_000);
  }

  const records = await recordsFor(gateways, outcomes.map((o) => o.sent.requestId));
  expect(records.size).toBe(REQUESTS);
  let recordedTotal = 0;
  let lastSpent = 0;
  allowed.forEach((o, i) => {
    const record = records.get(o.sent.requestId)!;
    expect(record).toMatchObject({
      decision: 'allow', code: 'ok', rule: 'llm/openai',
      usage: { model: 'gpt-4o-mini', input_tokens: o.usage.prompt_tokens, output_tokens: o.usage.completion_tokens },
      budgets: [{ id: 'daily', limit_usd: LIMIT }],
    });
    expect(Math.abs(record.cost_usd - actual[i]!)).toBeLessThanOrEqual(1e-9);
    recordedTotal += record.cost_usd;
    lastSpent = Math.max(lastSpent, record.budgets[0].spent_usd);
  });
  // Every reservation was replaced by its actual cost: the budget holds exactly the metered spend.
  expect(Math.abs(lastSpent - recordedTotal)).toBeLessThanOrEqual(1e-9);
  for (const { sent } of refused) {
    const record = records.get(sent.requestId)!;
    expect(record).toMatchObject({ decision: 'deny', code: 'budget_exceeded', usage: null, cost_usd: null, response: { status: 402 } });
    expect(record.message).toContain("budget 'daily'");
  }
  console.info(`[money] ${run}: ${allowed.length}/${REQUESTS} admitted, spent $${total.toFixed(9)} of limit $${LIMIT} ` +
    `(estimate $${ESTIMATE}, largest single estimate error $${LARGEST_ERROR.toFixed(9)})`);
}

describe('the in-memory store, one gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(fx.pki, { body: policy(fx, ''), name: 'money-memory' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('200 concurrent metered requests at a ceiling for ~20: spend stays within limit + one estimate error, the rest get 402', async () => {
    await expectCeilingHeld([gw], 'memory', await race([gw], 'memory'));
  });
});

describe.skipIf(!redisAvailable)('two gateways sharing one Redis', () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    redis = await startRedis();
    const store = `store: { url: "${redis.url}" }`;
    a = await startTestGateway(fx.pki, { body: policy(fx, store), name: 'money-a' });
    b = await startTestGateway(fx.pki, { body: policy(fx, store), name: 'money-b' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('200 concurrent metered requests over both at a ceiling for ~20: one budget, spend within limit + one estimate error', async () => {
    const outcomes = await race([a, b], 'redis');
    await expectCeilingHeld([a, b], 'redis', outcomes);
    // Both replicas admitted work, against the one shared budget.
    const admittedBy = (replica: number): number => outcomes.filter((o, i) => o.sent.status === 200 && i % 2 === replica).length;
    expect(admittedBy(0)).toBeGreaterThan(0);
    expect(admittedBy(1)).toBeGreaterThan(0);
  });

  it('rate 5/min across both: exactly 5 allowed in total, the rest 429 rate_limited with retry-after in whole seconds', async () => {
    const body = chatBody({ maxTokens: 50, words: 30 });
    const dispatchers: Dispatcher[] = [dispatcherFor(fx, a, 'cn-only-agent'), dispatcherFor(fx, b, 'cn-only-agent')];
    let sent: Sent[];
    try {
      sent = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        post(dispatchers[i % 2]!, `https://api.openai.test:${fx.upstream.port}${PATH}`, body, { 'x-test-run': 'rate' })));
    } finally {
      await Promise.all(dispatchers.map((d) => d.close()));
    }
    const allowed = sent.filter((s) => s.status === 200);
    const limited = sent.filter((s) => s.status === 429);
    expect(allowed).toHaveLength(5);
    expect(limited).toHaveLength(25);
    expect(fx.upstream.seen.filter((s) => s.headers['x-test-run'] === 'rate')).toHaveLength(5);
    for (const s of limited) {
      expect(s.headers['retry-after']).toMatch(/^[0-9]+$/);
      expect(Number(s.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(s.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(s.json().error).toMatchObject({ type: 'egress_denied', code: 'rate_limited', agent: 'cn-only-agent', request_id: s.requestId });
    }

    const records = await recordsFor([a, b], sent.map((s) => s.requestId));
    const cost = expectedUsd('gpt-4o-mini', { input: 12, output: 3 });
    const spent = allowed.map((s) => {
      const record = records.get(s.requestId)!;
      expect(record).toMatchObject({
        decision: 'allow', rule: 'rated/openai',
        usage: { model: 'gpt-4o-mini', input_tokens: 12, output_tokens: 3 },
        budgets: [{ id: 'rated-daily', limit_usd: 10 }],
      });
      expect(Math.abs(record.cost_usd - cost)).toBeLessThanOrEqual(1e-9);
      return record.budgets[0].spent_usd as number;
    });
    expect(Math.abs(Math.max(...spent) - 5 * cost)).toBeLessThanOrEqual(1e-9);
    for (const s of limited) {
      expect(records.get(s.requestId)).toMatchObject({ decision: 'deny', code: 'rate_limited', usage: null, cost_usd: null, budgets: null });
    }
  });
});
