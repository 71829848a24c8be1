// Money through the running gateway (issue 4, SPEC §5): usage and cost per metered format
// (OpenAI chat and Responses, Anthropic Messages; JSON and SSE) to 1e-9 of the price table; the
// usage the gateway asks for on the agent's behalf never reaches the agent; an aborted stream is
// charged, a failed upstream is not; the official openai SDK streams and is metered; a budget
// window resets at local midnight in its own time zone. Concurrency, replicas and store outages
// are in money-replicas.test.ts and money-store-outage.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request, type Dispatcher } from 'undici';
import { MESSAGES_MODEL_SUFFIX, RESPONSES_MODEL_SUFFIX } from '../helpers/fake-providers.ts';
import { DEV_TOKEN, DEV_TOKEN_SHA, runOpenAiSdk, useGateway } from './fixture.ts';
import {
  chatBody, dispatcherFor, estimatedInputTokens, estimateUsd, expectedUsd, post, pricesYaml, recordOf, recordWhere,
  type Model, type Sent, type Tokens,
} from './money-fixture.ts';

// The window test's requests cost exactly their reservation: the prompt as estimated, and the
// output cut at max_tokens. Two fit under the limit, a third does not.
const NY_BODY = chatBody({ maxTokens: 100, words: 30 });
const NY_COST = estimateUsd('openai', '/v1/chat/completions', NY_BODY);
const NY_LIMIT = Number((2.5 * NY_COST).toFixed(9));

/** null: the real clock. */
let clock: number | null = null;
const ctx = useGateway((fx) => ({
  now: () => clock ?? Date.now(),
  body: `${pricesYaml()}
policies:
  llm:
    rules:
      - { id: openai, host: "api.openai.test:${fx.upstream.port}", methods: [POST], paths: [/v1/chat/completions, /v1/responses], meter: openai }
      - { id: anthropic, host: "api.anthropic.test:${fx.upstream.port}", methods: [POST], paths: [/v1/messages], meter: anthropic }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [llm]
  cn-only-agent:
    match: { cn: cn-only-agent }
    policies: [llm]
  token-agent:
    match: { token_sha256: "${DEV_TOKEN_SHA}" }
    policies: [llm]
budgets:
  finance-auditor:
    - { id: daily, limit_usd: 100, per: day }
  cn-only-agent:
    - { id: ny-daily, limit_usd: ${NY_LIMIT}, per: day, tz: America/New_York }
  "*":
    - { id: default-daily, limit_usd: 5, per: day }
`,
}));

let auditor: Dispatcher;
/** Straight to the upstream, no gateway: what the agent would have got on its own. */
let direct: Dispatcher;
beforeAll(() => {
  auditor = dispatcherFor(ctx.fx, ctx.gw);
  direct = new Agent({ connect: { ca: ctx.fx.pki.upstreamCa.cert } });
});
afterAll(async () => {
  await auditor?.close();
  await direct?.close();
});

const url = (host: string, path: string): string => `https://${host}:${ctx.up}${path}`;

/** The budget spent by `agent` so far, as its latest audit record says (spend only grows). */
async function spentSoFar(agent: string): Promise<number> {
  const spent = (await ctx.gw.records())
    .filter((r) => r.agent === agent && Array.isArray(r.budgets) && r.budgets.length > 0)
    .map((r) => r.budgets[0].spent_usd as number);
  return Math.max(0, ...spent);
}

function expectCost(record: Record<string, any>, expected: number): void {
  expect(typeof record.cost_usd).toBe('number');
  expect(Math.abs(record.cost_usd - expected)).toBeLessThanOrEqual(1e-9);
}

interface Format {
  readonly name: string;
  readonly host: string;
  readonly path: string;
  readonly rule: string;
  readonly body: Record<string, unknown>;
  /** Added to the body of the streaming request. */
  readonly streamOptions: Record<string, unknown>;
  /** The usage the upstream reports (null: its provider-shaped default). */
  readonly usage: Record<string, unknown> | null;
  readonly model: Model;
  readonly answeredModel: string;
  readonly tokens: Tokens;
}

const FORMATS: readonly Format[] = [
  {
    name: 'OpenAI chat completions',
    host: 'api.openai.test',
    path: '/v1/chat/completions',
    rule: 'llm/openai',
    body: { model: 'gpt-4o-mini', max_tokens: 400, messages: [{ role: 'user', content: 'Greet me in German.' }] },
    // The agent asks for usage itself: it gets the usage chunk (the case without is below).
    streamOptions: { stream_options: { include_usage: true } },
    usage: {
      prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    model: 'gpt-4o-mini',
    answeredModel: 'gpt-4o-mini',
    tokens: { input: 2006, output: 300, cachedInput: 1920 },
  },
  {
    name: 'OpenAI Responses',
    host: 'api.openai.test',
    path: '/v1/responses',
    rule: 'llm/openai',
    body: { model: 'gpt-4.1', instructions: 'You are a terse assistant.', input: 'Tell me a one-sentence story about a unicorn.', max_output_tokens: 2000 },
    streamOptions: {},
    usage: null,
    model: 'gpt-4.1',
    answeredModel: `gpt-4.1${RESPONSES_MODEL_SUFFIX}`,
    tokens: { input: 5036, output: 1212, cachedInput: 4864 },
  },
  {
    name: 'Anthropic messages',
    host: 'api.anthropic.test',
    path: '/v1/messages',
    rule: 'llm/anthropic',
    body: { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, Claude' }] },
    streamOptions: {},
    usage: null,
    model: 'claude-sonnet-4-5',
    answeredModel: `claude-sonnet-4-5${MESSAGES_MODEL_SUFFIX}`,
    tokens: { input: 2095, output: 503, cacheWrite: 2051, cacheRead: 40112 },
  },
];

describe('usage and cost per metered format, to 1e-9 of the price table', () => {
  for (const format of FORMATS) {
    for (const stream of [false, true]) {
      it(`${format.name}, ${stream ? 'SSE' : 'JSON'}`, async () => {
        const body = JSON.stringify({ ...format.body, ...(stream ? { stream: true, ...format.streamOptions } : {}) });
        const headers: Record<string, string> = format.usage === null ? {} : { 'x-test-usage': JSON.stringify(format.usage) };
        const before = await spentSoFar('finance-auditor');
        const sent = await post(auditor, url(format.host, format.path), body, headers);
        expect(sent.status).toBe(200);
        expect(sent.headers['content-type']).toBe(stream ? 'text/event-stream' : 'application/json');

        // The agent gets exactly what the provider would have sent it without the gateway.
        const own = await post(direct, `https://127.0.0.1:${ctx.up}${format.path}`, body, headers);
        expect(sent.bytes.equals(own.bytes)).toBe(true);
        if (stream && 'stream_options' in format.streamOptions) expect(sent.bytes.toString()).toContain('"choices":[],"usage":{"prompt_tokens":2006');

        const cost = expectedUsd(format.model, format.tokens);
        const record = await recordOf([ctx.gw], sent.requestId);
        expect(record).toMatchObject({
          decision: 'allow', code: 'ok', rule: format.rule, response: { status: 200 },
          usage: {
            model: format.answeredModel,
            input_tokens: format.tokens.input,
            output_tokens: format.tokens.output,
            cached_input_tokens: format.tokens.cachedInput ?? 0,
            cache_read_tokens: format.tokens.cacheRead ?? 0,
            cache_write_tokens: format.tokens.cacheWrite ?? 0,
          },
          budgets: [{ id: 'daily', limit_usd: 100 }],
        });
        expectCost(record, cost);
        expect(Math.abs(record.budgets[0].spent_usd - (before + cost))).toBeLessThanOrEqual(1e-9);
      });
    }
  }

  it('a chat stream without include_usage: the gateway asks for usage upstream, the agent never sees it', async () => {
    const body = chatBody({ maxTokens: 300, stream: true, words: 60 });
    const usage = { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920 } };
    const headers = { 'x-test-usage': JSON.stringify(usage), 'x-test-run': 'include-usage' };
    const sent = await post(auditor, url('api.openai.test', '/v1/chat/completions'), body, headers);
    expect(sent.status).toBe(200);

    // Upstream: the agent's own bytes with `stream_options.include_usage` spliced in.
    const upstream = ctx.fx.upstream.seen.filter((s) => s.headers['x-test-run'] === 'include-usage');
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.body).toBe(`{"stream_options":{"include_usage":true},${body.slice(1)}`);

    // Agent: no usage chunk, no `"usage":null` on the others — byte for byte the stream it asked for.
    const text = sent.bytes.toString('utf8');
    expect(text).not.toContain('"usage"');
    expect(text).toContain('data: [DONE]');
    const own = await post(direct, `https://127.0.0.1:${ctx.up}/v1/chat/completions`, body, headers);
    expect(own.bytes.toString('utf8')).not.toContain('"usage"');
    expect(sent.bytes.equals(own.bytes)).toBe(true);

    const record = await recordOf([ctx.gw], sent.requestId);
    expect(record).toMatchObject({ decision: 'allow', usage: { model: 'gpt-4o-mini', input_tokens: 2006, output_tokens: 300, cached_input_tokens: 1920 } });
    expectCost(record, expectedUsd('gpt-4o-mini', { input: 2006, output: 300, cachedInput: 1920 }));
  });
});

describe('what an interrupted request costs', () => {
  /** Streams `body` and aborts once `enough(text so far)` holds; returns the request id. */
  async function abortMidStream(target: string, body: string, enough: (text: string) => boolean): Promise<string> {
    const abort = new AbortController();
    const res = await request(target, {
      method: 'POST', dispatcher: auditor, body, signal: abort.signal,
      headers: { 'content-type': 'application/json', 'x-test-event-delay-ms': '300' },
    });
    expect(res.statusCode).toBe(200);
    let text = '';
    try {
      for await (const chunk of res.body) {
        text += chunk.toString();
        if (enough(text)) abort.abort();
      }
    } catch (err) {
      expect((err as Error).name).toBe('AbortError');
    }
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('message_stop');
    return String(res.headers['x-portcullis-request-id']);
  }

  it('a client that aborts a chat stream mid-way is charged its reservation, never zero', async () => {
    const body = chatBody({ maxTokens: 300, stream: true });
    const before = await spentSoFar('finance-auditor');
    const id = await abortMidStream(url('api.openai.test', '/v1/chat/completions'), body, (text) => text.includes('hello'));
    const reservation = estimateUsd('openai', '/v1/chat/completions', body);
    const record = await recordOf([ctx.gw], id);
    // No usage was reported before the abort: the reservation is what may have been billed.
    expect(record).toMatchObject({ decision: 'allow', usage: null, response: { status: 200 }, budgets: [{ id: 'daily' }] });
    expect(record.cost_usd).toBeGreaterThan(0);
    expectCost(record, reservation);
    expect(Math.abs(record.budgets[0].spent_usd - (before + reservation))).toBeLessThanOrEqual(1e-9);
  });

  it('an Anthropic stream aborted after message_start is charged the usage so far when that is higher', async () => {
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hello, Claude' }] });
    const reservation = estimateUsd('anthropic', '/v1/messages', body);
    // message_start reports the whole (cached) prompt and 1 output token so far.
    const soFar = expectedUsd('claude-sonnet-4-5', { input: 2095, output: 1, cacheWrite: 2051, cacheRead: 40112 });
    expect(soFar).toBeGreaterThan(reservation);
    const id = await abortMidStream(url('api.anthropic.test', '/v1/messages'), body, (text) => text.includes('content_block_start'));
    const record = await recordOf([ctx.gw], id);
    expect(record).toMatchObject({
      decision: 'allow', response: { status: 200 },
      usage: { model: `claude-sonnet-4-5${MESSAGES_MODEL_SUFFIX}`, input_tokens: 2095, output_tokens: 1, cache_read_tokens: 40112, cache_write_tokens: 2051 },
      budgets: [{ id: 'daily' }],
    });
    expectCost(record, soFar);
  });

  it('an upstream that fails before responding costs nothing and releases the reservation', async () => {
    const body = chatBody({ maxTokens: 300 });
    const before = await spentSoFar('finance-auditor');
    const sent = await post(auditor, url('api.openai.test', '/v1/chat/completions'), body, { 'x-test-fail': 'reset' });
    expect(sent.status).toBe(502);
    expect(sent.json().error).toMatchObject({ type: 'gateway_error', code: 'upstream_error' });
    const record = await recordOf([ctx.gw], sent.requestId);
    expect(record).toMatchObject({ code: 'upstream_error', usage: null, cost_usd: 0, response: { status: 502 }, budgets: [{ id: 'daily' }] });
    expect(Math.abs(record.budgets[0].spent_usd - before)).toBeLessThanOrEqual(1e-9);
  });
});

describe('the official openai SDK, streaming through HTTPS_PROXY', () => {
  it('gets its text, and the gateway records its usage and cost', async () => {
    const out = await runOpenAiSdk(ctx, true);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ text: 'hello there!', chunks: 4 });
    // The only request of token-agent in this file; its record is written once the spend is settled.
    const record = await recordWhere(ctx.gw, (r) => r.agent === 'token-agent');
    expect(record).toMatchObject({
      decision: 'allow', rule: 'llm/openai', identity: { method: 'token' },
      usage: { model: 'gpt-4o-mini', input_tokens: 12, output_tokens: 3 },
      budgets: [{ id: 'default-daily', limit_usd: 5 }],
    });
    expectCost(record, expectedUsd('gpt-4o-mini', { input: 12, output: 3 }));
  });
});

describe('budget windows reset at the calendar boundary in the budget\'s time zone', () => {
  const tokens = estimatedInputTokens(NY_BODY);
  const usage = JSON.stringify({ prompt_tokens: tokens, completion_tokens: 100, total_tokens: tokens + 100 });
  let agent: Dispatcher;
  beforeAll(() => {
    agent = dispatcherFor(ctx.fx, ctx.gw, 'cn-only-agent');
  });
  afterAll(async () => {
    clock = null;
    await agent?.close();
  });
  const at = async (iso: string): Promise<Sent> => {
    clock = Date.parse(iso);
    return post(agent, url('api.openai.test', '/v1/chat/completions'), NY_BODY, { 'x-test-usage': usage });
  };

  it('a per-day America/New_York budget exhausted in the evening allows again after local midnight, not UTC midnight', async () => {
    // 2026-11-20 is in EST (UTC-5): local midnight is 05:00 UTC.
    const NEXT_LOCAL_MIDNIGHT = '2026-11-21T05:00:00.000Z';
    for (const iso of ['2026-11-20T23:00:00Z', '2026-11-20T23:10:00Z']) expect((await at(iso)).status).toBe(200);

    const refusals: Sent[] = [];
    for (const iso of ['2026-11-20T23:20:00Z', '2026-11-21T01:00:00Z', '2026-11-21T04:59:59Z']) {
      const refused = await at(iso);
      expect(refused.status, iso).toBe(402);
      const budget = refused.json().error.budget;
      expect(Object.keys(budget).sort()).toEqual(['id', 'limit_usd', 'reserved_usd', 'resets_at', 'spent_usd']);
      expect(budget).toMatchObject({ id: 'ny-daily', reserved_usd: 0, limit_usd: NY_LIMIT, resets_at: NEXT_LOCAL_MIDNIGHT });
      expect(Math.abs(budget.spent_usd - 2 * NY_COST)).toBeLessThanOrEqual(1e-9);
      refusals.push(refused);
    }

    const after = await at('2026-11-21T05:00:01Z');
    expect(after.status).toBe(200);
    const record = await recordOf([ctx.gw], after.requestId);
    expect(record).toMatchObject({ decision: 'allow', agent: 'cn-only-agent', budgets: [{ id: 'ny-daily', limit_usd: NY_LIMIT }] });
    expectCost(record, NY_COST);
    // A new window: this request is its only spend.
    expect(Math.abs(record.budgets[0].spent_usd - NY_COST)).toBeLessThanOrEqual(1e-9);
    for (const refused of refusals) {
      expect(await recordOf([ctx.gw], refused.requestId)).toMatchObject({ decision: 'deny', code: 'budget_exceeded', usage: null, cost_usd: null });
    }
  });
});
