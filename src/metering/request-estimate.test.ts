import { describe, expect, it } from 'vitest';
import { priceTable } from './fixtures/price-table.ts';
import { IMAGE_TOKENS } from './input-tokens.ts';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateRequest, type EstimateResult } from './request-estimate.ts';

const prices = priceTable(false);
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const CHAT = '/v1/chat/completions';
const MESSAGES = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello.' }];

function ok(result: EstimateResult): Extract<EstimateResult, { ok: true }> {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result;
}

describe('estimateRequest: the reservation', () => {
  it('prices input (string bytes / 4) and the requested maximum output', () => {
    // Strings: gpt-4o-mini, system, You are terse., user, Say hello. = 45 bytes → 12 tokens,
    // plus 1 for the number 100. 13 × 0.15 + 100 × 0.60 = 61.95 µUSD.
    const result = ok(estimateRequest('openai', CHAT, json({ model: 'gpt-4o-mini', messages: MESSAGES, max_tokens: 100 }), prices));
    expect(result).toEqual({ ok: true, model: 'gpt-4o-mini', estimateNano: 61_950, rewrittenBody: null, stripUsageChunk: false });
  });

  it('takes max_completion_tokens over max_tokens, and multiplies by n choices', () => {
    const body = { model: 'gpt-4o-mini', messages: MESSAGES, max_completion_tokens: 1000, max_tokens: 10, n: 3 };
    const result = ok(estimateRequest('openai', CHAT, json(body), prices));
    // 15 input tokens (45 bytes → 12, plus 3 numbers) × 0.15 + 3000 × 0.60
    expect(result.estimateNano).toBe(15 * 150 + 3000 * 600);
  });

  it('uses max_output_tokens (Responses API) and max_tokens (Anthropic)', () => {
    const responses = ok(estimateRequest('openai', '/v1/responses', json({ model: 'gpt-4.1', input: 'abcd', max_output_tokens: 50 }), prices));
    expect(responses.estimateNano).toBe((2 + 1 + 1) * 2000 + 50 * 8000); // gpt-4.1 (6 bytes → 2) + abcd (1) + 50 (1)
    const anthropic = ok(estimateRequest('anthropic', '/v1/messages', json({ model: 'claude-sonnet-4-5-20250929', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, Claude' }] }), prices));
    // claude-sonnet-4-5-20250929 + user + Hello, Claude = 26 + 4 + 13 = 43 bytes → 11, + 1 number
    expect(anthropic.estimateNano).toBe(12 * 3000 + 1024 * 15000);
  });

  it('reserves DEFAULT_MAX_OUTPUT_TOKENS when no maximum is given', () => {
    const result = ok(estimateRequest('openai', CHAT, json({ model: 'gpt-4o', messages: [] }), prices));
    expect(result.estimateNano).toBe(2 * 2500 + DEFAULT_MAX_OUTPUT_TOKENS * 10_000);
  });

  it('reserves no output for embeddings, and nothing for Anthropic token counting', () => {
    const embeddings = ok(estimateRequest('openai', '/v1/embeddings', json({ model: 'text-embedding-3-small', input: 'The food was delicious' }), prices));
    expect(embeddings.estimateNano).toBe(11 * 20); // 44 bytes → 11 tokens × 0.02 USD/Mtok
    const count = ok(estimateRequest('anthropic', '/v1/messages/count_tokens', json({ model: 'claude-sonnet-4-5', messages: MESSAGES }), prices));
    expect(count.estimateNano).toBe(0);
  });

  it('counts an image as IMAGE_TOKENS whatever its encoded size', () => {
    const image = (data: string) => json({
      model: 'claude-sonnet-4-5', max_tokens: 0,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data } }] }],
    });
    const small = ok(estimateRequest('anthropic', '/v1/messages', image('/9j/4AAQ'), prices)).estimateNano!;
    const large = ok(estimateRequest('anthropic', '/v1/messages', image('A'.repeat(1_000_000)), prices)).estimateNano!;
    expect(large).toBe(small);
    expect(small).toBeGreaterThanOrEqual(IMAGE_TOKENS * 3000);
  });
});

describe('estimateRequest: models and prices', () => {
  it('prices a dated model by its family entry', () => {
    const result = ok(estimateRequest('openai', CHAT, json({ model: 'gpt-4o-mini-2024-07-18', messages: [], max_tokens: 0 }), prices));
    expect(result.model).toBe('gpt-4o-mini-2024-07-18');
    expect(result.estimateNano).toBe((6 + 1) * 150); // 22 bytes → 6 tokens, + 1 number, at gpt-4o-mini's 0.15
  });

  it('refuses an unknown model when there is no default price', () => {
    const result = estimateRequest('openai', CHAT, json({ model: 'gpt-9', messages: [] }), prices);
    expect(result).toEqual({ ok: false, reason: "no price for model 'gpt-9' and no default price" });
  });

  it('prices an unknown model at the default price when there is one', () => {
    const result = ok(estimateRequest('openai', CHAT, json({ model: 'gpt-9', messages: [], max_tokens: 10 }), priceTable(true)));
    expect(result.estimateNano).toBe(3 * 15_000 + 10 * 75_000); // gpt-9 (2) + 10 (1) at 15, 10 out at 75
  });

  it('leaves the reservation to the rule when the body names no model', () => {
    const none = { ok: true, model: null, estimateNano: null, rewrittenBody: null, stripUsageChunk: false };
    expect(estimateRequest('openai', CHAT, Buffer.from('not json'), prices)).toEqual(none);
    expect(estimateRequest('openai', '/v1/models', Buffer.alloc(0), prices)).toEqual(none);
    expect(estimateRequest('openai', CHAT, json({ messages: [] }), prices)).toEqual(none);
    expect(estimateRequest('openai', CHAT, json([{ model: 'gpt-4o' }]), prices)).toEqual(none);
  });
});

describe('estimateRequest: asking for streamed usage', () => {
  const stream = Buffer.from('  {"model":"gpt-4o-mini","stream":true,"seed":12345678901234567890,"messages":[{"role":"user","content":"hi"}]}');

  it('splices include_usage in when the agent sent no stream_options, keeping every other byte', () => {
    const result = ok(estimateRequest('openai', CHAT, stream, prices));
    expect(result.stripUsageChunk).toBe(true);
    const rewritten = result.rewrittenBody!;
    const insert = '{"stream_options":{"include_usage":true},';
    expect(rewritten.toString()).toBe(`  ${insert}${stream.toString().slice(3)}`);
    expect(JSON.parse(rewritten.toString())).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(rewritten.toString()).toContain('"seed":12345678901234567890');
  });

  it('sets include_usage inside stream_options the agent sent without it', () => {
    const body = json({ model: 'gpt-4o-mini', stream: true, stream_options: { include_obfuscation: false, include_usage: false }, messages: [] });
    const result = ok(estimateRequest('openai', `${CHAT}?api-version=2025-01-01`, body, prices));
    expect(result.stripUsageChunk).toBe(true);
    expect(JSON.parse(result.rewrittenBody!.toString())).toEqual({
      model: 'gpt-4o-mini', stream: true, stream_options: { include_obfuscation: false, include_usage: true }, messages: [],
    });
  });

  it('changes nothing when the agent asked for usage itself, or does not stream, or is not chat completions', () => {
    const cases: ['openai' | 'anthropic', string, unknown][] = [
      ['openai', CHAT, { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [] }],
      ['openai', CHAT, { model: 'gpt-4o-mini', stream: false, messages: [] }],
      ['openai', CHAT, { model: 'gpt-4o-mini', messages: [] }],
      ['openai', '/v1/responses', { model: 'gpt-4.1', stream: true, input: 'hi' }],
      ['anthropic', '/v1/messages', { model: 'claude-sonnet-4-5', stream: true, max_tokens: 10, messages: [] }],
    ];
    for (const [kind, path, body] of cases) {
      expect(ok(estimateRequest(kind, path, json(body), prices))).toMatchObject({ rewrittenBody: null, stripUsageChunk: false });
    }
  });
});
