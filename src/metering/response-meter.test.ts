import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { priceTable } from './fixtures/price-table.ts';
import { nanoToUsd } from '../limits/money.ts';
import { costNano } from './prices.ts';
import type { ProviderKind } from './provider.ts';
import { createResponseMeter } from './response-meter.ts';
import { MAX_HELD_BYTES } from './sse-meter.ts';
import type { Usage } from './usage.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';
const prices = priceTable(false);

interface Metered {
  readonly out: Buffer;
  readonly usage: Usage | null;
  readonly final: boolean;
}

function meter(kind: ProviderKind, contentType: string | undefined, chunks: readonly Buffer[], strip = false): Metered {
  const m = createResponseMeter(kind, { stripUsageChunk: strip });
  m.onHeaders(contentType);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const sent = m.transform(chunk);
    if (sent !== null) out.push(sent);
  }
  const tail = m.flush();
  if (tail !== null) out.push(tail);
  return { out: Buffer.concat(out), usage: m.finish(), final: m.final };
}

/** Every way of cutting the body in two, plus one byte at a time. */
function splits(bytes: Buffer): Buffer[][] {
  const ways: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) ways.push([bytes.subarray(0, i), bytes.subarray(i)]);
  ways.push([...bytes].map((b) => Buffer.from([b])));
  return ways;
}

function expectCost(usage: Usage | null, usd: number): void {
  expect(usage).not.toBeNull();
  const price = prices.lookup(usage!.model!);
  expect(price).not.toBeNull();
  expect(Math.abs(nanoToUsd(costNano(price!, usage!)) - usd)).toBeLessThanOrEqual(1e-9);
}

// Expected costs, by hand from the fixtures' usage and fixtures/price-table.ts:
// gpt-4o:        (1117 − 1024) × 2.50 + 1024 × 1.25 + 46 × 10        = 1972.5 µUSD
// gpt-4o-mini:   (2006 − 1920) × 0.15 + 1920 × 0.075 + 300 × 0.60    = 336.9 µUSD
// gpt-4.1:       (5036 − 4864) × 2 + 4864 × 0.50 + 1212 × 8          = 12472 µUSD
// sonnet-4-5:    2095 × 3 + 2051 × 3.75 + 40112 × 0.30 + 503 × 15    = 33554.85 µUSD
const CASES = [
  {
    name: 'OpenAI chat completions JSON', kind: 'openai', file: 'openai-chat.json', type: JSON_TYPE, usd: 0.0019725,
    usage: { model: 'gpt-4o-2024-08-06', inputTokens: 1117, outputTokens: 46, cachedInputTokens: 1024, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  {
    name: 'OpenAI chat completions SSE', kind: 'openai', file: 'openai-chat-stream.sse', type: SSE, usd: 0.0003369,
    usage: { model: 'gpt-4o-mini-2024-07-18', inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  {
    name: 'OpenAI responses JSON', kind: 'openai', file: 'openai-responses.json', type: JSON_TYPE, usd: 0.012472,
    usage: { model: 'gpt-4.1-2025-04-14', inputTokens: 5036, outputTokens: 1212, cachedInputTokens: 4864, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  {
    name: 'OpenAI responses SSE (response.completed)', kind: 'openai', file: 'openai-responses-stream.sse', type: SSE, usd: 0.012472,
    usage: { model: 'gpt-4.1-2025-04-14', inputTokens: 5036, outputTokens: 1212, cachedInputTokens: 4864, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  {
    name: 'OpenAI responses SSE (response.incomplete)', kind: 'openai', file: 'openai-responses-incomplete.sse', type: SSE, usd: 0.012472,
    usage: { model: 'gpt-4.1-2025-04-14', inputTokens: 5036, outputTokens: 1212, cachedInputTokens: 4864, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  {
    name: 'Anthropic messages JSON', kind: 'anthropic', file: 'anthropic-message.json', type: JSON_TYPE, usd: 0.03355485,
    usage: { model: 'claude-sonnet-4-5-20250929', inputTokens: 2095, outputTokens: 503, cachedInputTokens: 0, cacheReadTokens: 40112, cacheWriteTokens: 2051 },
  },
  {
    name: 'Anthropic messages SSE (message_start, message_delta)', kind: 'anthropic', file: 'anthropic-stream.sse', type: SSE, usd: 0.03355485,
    usage: { model: 'claude-sonnet-4-5-20250929', inputTokens: 2095, outputTokens: 503, cachedInputTokens: 0, cacheReadTokens: 40112, cacheWriteTokens: 2051 },
  },
  {
    name: 'Anthropic SSE whose message_delta repeats the inputs as 0', kind: 'anthropic', file: 'anthropic-stream-zeros.sse', type: SSE, usd: 0.03355485,
    usage: { model: 'claude-sonnet-4-5-20250929', inputTokens: 2095, outputTokens: 503, cachedInputTokens: 0, cacheReadTokens: 40112, cacheWriteTokens: 2051 },
  },
] as const;

describe('createResponseMeter: usage and cost per format', () => {
  for (const c of CASES) {
    it(`${c.name}: usage, final, cost to 1e-9 USD, bytes passed through`, () => {
      const body = fixture(c.file);
      const result = meter(c.kind, c.type, [body]);
      expect(result.usage).toEqual(c.usage);
      expect(result.final).toBe(true);
      expectCost(result.usage, c.usd);
      expect(result.out.equals(body)).toBe(true);
    });

    it(`${c.name}: the same at every split offset`, () => {
      const body = fixture(c.file);
      for (const chunks of splits(body)) {
        const result = meter(c.kind, c.type, chunks);
        expect(result.usage).toEqual(c.usage);
        expect(result.final).toBe(true);
        expect(result.out.equals(body)).toBe(true);
      }
    });
  }

  it('returns the very chunk it was given when nothing is removed (no copy on the hot path)', () => {
    const m = createResponseMeter('openai', { stripUsageChunk: false });
    m.onHeaders(SSE);
    const chunk = fixture('openai-chat-stream.sse');
    expect(m.transform(chunk)).toBe(chunk);
    const json = createResponseMeter('anthropic', { stripUsageChunk: false });
    json.onHeaders(JSON_TYPE);
    const body = fixture('anthropic-message.json');
    expect(json.transform(body)).toBe(body);
  });

  it('reads OpenAI embeddings usage (no output tokens)', () => {
    const body = Buffer.from('{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":24,"total_tokens":24}}');
    const { usage } = meter('openai', JSON_TYPE, [body]);
    expect(usage).toEqual({ model: 'text-embedding-3-small', inputTokens: 24, outputTokens: 0, cachedInputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expectCost(usage, 0.00000048);
  });
});

describe('createResponseMeter: partial and missing usage', () => {
  it('Anthropic stream cut before message_delta: the usage so far, not final', () => {
    const body = fixture('anthropic-stream.sse');
    const cut = body.subarray(0, body.indexOf('event: message_delta'));
    const m = createResponseMeter('anthropic', { stripUsageChunk: false });
    m.onHeaders(SSE);
    m.transform(cut);
    expect(m.finish()).toMatchObject({ inputTokens: 2095, outputTokens: 1, cacheReadTokens: 40112, cacheWriteTokens: 2051 });
    expect(m.final).toBe(false);
  });

  it('a chat stream without the usage chunk, an error body, and a non-JSON body: no usage', () => {
    const stripped = fixture('openai-chat-stream.stripped.sse');
    expect(meter('openai', SSE, [stripped])).toMatchObject({ usage: null, final: false });
    const error = Buffer.from('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}');
    expect(meter('openai', JSON_TYPE, [error])).toMatchObject({ usage: null, final: false });
    const audio = Buffer.from([0xff, 0xf3, 0x44, 0xc4]);
    expect(meter('openai', 'audio/mpeg', [audio])).toEqual({ out: audio, usage: null, final: false });
  });

  it('a JSON body cut inside its usage yields none; one cut after it keeps it', () => {
    const body = fixture('openai-chat.json');
    expect(meter('openai', JSON_TYPE, [body.subarray(0, body.indexOf('"completion_tokens_details"'))]).usage).toBeNull();
    expect(meter('openai', JSON_TYPE, [body.subarray(0, body.indexOf('"service_tier"'))]).usage).toMatchObject({ inputTokens: 1117 });
  });
});

describe('createResponseMeter: removing the usage-only chunk the gateway asked for', () => {
  const stream = fixture('openai-chat-stream.sse');
  const stripped = fixture('openai-chat-stream.stripped.sse');

  it('sends every other byte unchanged and still meters the usage, at every split offset', () => {
    for (const chunks of splits(stream)) {
      const result = meter('openai', SSE, chunks, true);
      expect(result.out.equals(stripped)).toBe(true);
      expect(result.usage).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920 });
      expect(result.final).toBe(true);
    }
  });

  it('does the same with CRLF line endings, keeping the whole terminator with the removed event', () => {
    const crlf = Buffer.from(stream.toString('utf8').replaceAll('\n', '\r\n'));
    const expected = Buffer.from(stripped.toString('utf8').replaceAll('\n', '\r\n'));
    for (const chunks of splits(crlf)) expect(meter('openai', SSE, chunks, true).out.equals(expected)).toBe(true);
  });

  it('passes whole events with nothing to remove through as the same Buffer, and holds back only an unfinished one', () => {
    const m = createResponseMeter('openai', { stripUsageChunk: true });
    m.onHeaders(SSE);
    const first = stripped.subarray(0, stripped.indexOf('\n\n') + 2);
    expect(m.transform(first)).toBe(first);
    const partial = stripped.subarray(first.length, first.length + 10);
    expect(m.transform(partial)).toBeNull();
  });

  it('keeps chunks with choices or without usage, dropping only the `"usage":null` include_usage added', () => {
    const text = 'data: {"object":"chat.completion.chunk","choices":[],"usage":null}\n\n' +
      'data: {"object":"chat.completion.chunk","usage":null,"choices":[]}\n\n' +
      'data: {"object":"chat.completion.chunk","choices":[],"prompt_filter_results":[]}\n\n' +
      'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1}}\n\n';
    const expected = 'data: {"object":"chat.completion.chunk","choices":[]}\n\n' +
      'data: {"object":"chat.completion.chunk","choices":[]}\n\n' +
      'data: {"object":"chat.completion.chunk","choices":[],"prompt_filter_results":[]}\n\n' +
      'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1}}\n\n';
    expect(meter('openai', SSE, [Buffer.from(text)], true).out.toString()).toBe(expected);
  });

  it('releases an event too big to be the usage chunk before its end, unchanged', () => {
    const big = `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${'x'.repeat(MAX_HELD_BYTES)}"}}]}\n\n`;
    const body = Buffer.concat([Buffer.from(big), stream]);
    const m = createResponseMeter('openai', { stripUsageChunk: true });
    m.onHeaders(SSE);
    const sent: Buffer[] = [];
    for (let i = 0; i < body.length; i += 16_384) {
      const out = m.transform(body.subarray(i, i + 16_384));
      if (out !== null) sent.push(out);
    }
    const beforeEnd = Buffer.concat(sent).length;
    expect(beforeEnd).toBeGreaterThan(MAX_HELD_BYTES);
    sent.push(m.flush() ?? Buffer.alloc(0));
    expect(Buffer.concat(sent).equals(Buffer.concat([Buffer.from(big), stripped]))).toBe(true);
  });

  it('sends the tail of a stream that ends without its last blank line', () => {
    const text = 'data: {"a":1}\n\ndata: [DONE]\n';
    expect(meter('openai', SSE, [Buffer.from(text)], true).out.toString()).toBe(text);
  });
});
