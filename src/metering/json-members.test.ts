import { describe, expect, it } from 'vitest';
import { JsonMemberReader } from './json-members.ts';

function read(chunks: readonly Buffer[], wanted = ['model', 'usage']): Record<string, unknown> {
  const reader = new JsonMemberReader(wanted);
  for (const chunk of chunks) reader.push(chunk);
  return Object.fromEntries(wanted.map((name) => [name, reader.get(name)]));
}

describe('JsonMemberReader', () => {
  const body = Buffer.from(JSON.stringify({
    id: 'x',
    model: 'gpt-4o-mini',
    choices: [{ message: { content: 'a "usage": {} } ] \\ , "model": "fake"', usage: { prompt_tokens: 999 } } }],
    metadata: { model: 'nested', usage: 1 },
    usage: { prompt_tokens: 12, completion_tokens: 3 },
  }, null, 2));

  it('reads only top-level members, whatever nested values or strings contain', () => {
    expect(read([body])).toEqual({ model: 'gpt-4o-mini', usage: { prompt_tokens: 12, completion_tokens: 3 } });
  });

  it('gives the same result however the body is split', () => {
    const expected = read([body]);
    for (let i = 0; i <= body.length; i++) expect(read([body.subarray(0, i), body.subarray(i)])).toEqual(expected);
    expect(read([...body].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('reads the last member of an object, and nothing from a top-level array or broken body', () => {
    expect(read([Buffer.from('{"a":[1,{"b":2}],"usage":{"x":1}}')])).toEqual({ model: undefined, usage: { x: 1 } });
    expect(read([Buffer.from('[{"usage":{"x":1}}]')]).usage).toBeUndefined();
    expect(read([Buffer.from('{"usage":{"x":')]).usage).toBeUndefined();
    expect(read([Buffer.from('{"usage":nope,"model":"m"}')])).toEqual({ model: 'm', usage: undefined });
  });

  it('streams a body far larger than anything it keeps (a 20 MB embeddings list)', () => {
    const row = `{"object":"embedding","index":0,"embedding":[${Array.from({ length: 1536 }, (_, k) => (k * 0.0011).toFixed(8)).join(',')}]}`;
    const rows = Array.from({ length: 1200 }, () => row).join(',');
    const big = Buffer.from(`{"object":"list","data":[${rows}],"model":"text-embedding-3-small","usage":{"prompt_tokens":24,"total_tokens":24}}`);
    expect(big.length).toBeGreaterThan(20e6);
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 65_536) chunks.push(big.subarray(i, i + 65_536));
    expect(read(chunks)).toEqual({ model: 'text-embedding-3-small', usage: { prompt_tokens: 24, total_tokens: 24 } });
  });
});
