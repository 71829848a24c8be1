// Streaming and real agent clients: the first SSE chunk reaches the client before the
// upstream finishes; the official openai SDK works through HTTPS_PROXY, streaming and not.
import { describe, expect, it } from 'vitest';
import { ProxyAgent, request } from 'undici';
import { agentDispatcher, runOpenAiSdk, useGateway } from './fixture.ts';

const ctx = useGateway();

describe('SSE streaming', () => {
  it('the first chunk arrives long before the upstream finishes', async () => {
    const dispatcher = agentDispatcher(ctx);
    try {
      const started = performance.now();
      const res = await request(`https://api.openai.test:${ctx.up}/sse?n=5&delay=300`, { dispatcher });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      const arrivals: number[] = [];
      let text = '';
      for await (const chunk of res.body) {
        arrivals.push(performance.now() - started);
        text += chunk.toString();
      }
      expect(text).toContain('data: {"i":0}');
      expect(text).toContain('data: [DONE]');
      // 5 chunks 300 ms apart: the whole stream takes ≥ 1.5 s, the first chunk must not wait for it.
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(1000);
      expect(arrivals[0]!).toBeLessThan(1000);
      const record = (await ctx.gw.waitForRecords(1)).find((r) => r.request.path === '/sse');
      expect(record).toMatchObject({ decision: 'allow', rule: 'llm/openai', response: { status: 200 } });
      expect(record!.duration_ms).toBeGreaterThan(1000);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('official openai SDK via HTTPS_PROXY', () => {
  const run = (stream: boolean) => runOpenAiSdk(ctx, stream);

  it('non-streaming completion', async () => {
    const out = await run(false);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toMatchObject({ text: 'hello there', usage: { prompt_tokens: 12, completion_tokens: 3 } });
    const record = (await ctx.gw.waitForRecords(1)).find((r) => r.agent === 'token-agent' && r.request.path === '/v1/chat/completions');
    expect(record).toMatchObject({ decision: 'allow', rule: 'llm/openai', identity: { method: 'token' }, request: { method: 'POST', intercepted: true } });
    expect(record!.request.bytes).toBeGreaterThan(0);
  });

  it('streaming completion', async () => {
    const out = await run(true);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toMatchObject({ text: 'hello there!' });
    const seen = ctx.fx.upstream.seen.filter((s) => s.url === '/v1/chat/completions');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const s of seen) expect(s.headers['proxy-authorization']).toBeUndefined();
  });
});
