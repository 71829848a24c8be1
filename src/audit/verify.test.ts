import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashChain, sha256Canonical } from './hash-chain.ts';
import { verifyAuditFile } from './verify.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'portcullis-verify-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

function chainLines(instance: string, n: number): string[] {
  const chain = new HashChain(instance);
  return Array.from({ length: n }, (_, i) => chain.seal({ id: `${instance}-${i}`, decision: 'allow', request: { path: `/p/${i}` } }));
}

async function verifyLines(name: string, lines: string[]) {
  const file = join(dir, name);
  await writeFile(file, lines.join('\n') + '\n');
  return verifyAuditFile(file);
}

describe('audit verify', () => {
  it('accepts interleaved chains of two instances', async () => {
    const a = chainLines('a', 4);
    const b = chainLines('b', 3);
    const lines = [a[0]!, b[0]!, a[1]!, a[2]!, b[1]!, b[2]!, a[3]!];
    expect(await verifyLines('good.jsonl', lines)).toEqual({ ok: true, records: 7, instances: 2 });
  });

  it('each sealed line carries seq, prev_hash and a sha256 hash', () => {
    const [first, second] = chainLines('x', 2).map((l) => JSON.parse(l));
    expect(first).toMatchObject({ instance: 'x', seq: 1, prev_hash: null });
    expect(first.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second).toMatchObject({ seq: 2, prev_hash: first.hash });
  });

  it('names the altered record', async () => {
    const lines = chainLines('a', 3);
    lines[1] = lines[1]!.replace('"/p/1"', '"/p/evil"');
    expect(await verifyLines('altered.jsonl', lines)).toMatchObject({ ok: false, line: 2, instance: 'a', seq: 2, problem: expect.stringContaining('altered') });
  });

  it('names a deleted record', async () => {
    const lines = chainLines('a', 4);
    lines.splice(2, 1);
    expect(await verifyLines('deleted.jsonl', lines)).toMatchObject({ ok: false, line: 3, seq: 4, problem: expect.stringContaining('expected 3') });
  });

  it('names swapped records', async () => {
    const lines = chainLines('a', 4);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    expect(await verifyLines('swapped.jsonl', lines)).toMatchObject({ ok: false, line: 2, seq: 3 });
  });

  it('names a chain whose first records were removed', async () => {
    const lines = chainLines('a', 3).slice(1);
    expect(await verifyLines('truncated.jsonl', lines)).toMatchObject({ ok: false, line: 1, seq: 2 });
  });

  it('a record re-hashed after editing still breaks the link to the next one', async () => {
    const lines = chainLines('a', 3);
    const edited = JSON.parse(lines[1]!);
    edited.request.path = '/p/evil';
    delete edited.hash;
    lines[1] = JSON.stringify({ ...edited, hash: sha256Canonical(edited) });
    expect(await verifyLines('rehashed.jsonl', lines)).toMatchObject({ ok: false, line: 3, problem: expect.stringContaining('prev_hash') });
  });

  it('refuses a line that is not JSON', async () => {
    expect(await verifyLines('junk.jsonl', [...chainLines('a', 1), 'not json'])).toMatchObject({ ok: false, line: 2, problem: 'not a JSON object' });
  });

  it('the real file written by the CLI format round-trips', async () => {
    const file = join(dir, 'round.jsonl');
    await writeFile(file, chainLines('r', 5).join('\n') + '\n');
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(5);
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true, records: 5 });
  });
});
