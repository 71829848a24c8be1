import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileAuditSource } from './audit-file-source.ts';
import { InvalidCursorError, type AuditEntry } from './audit-source.ts';

async function collect(source: FileAuditSource, position: string | null): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const entry of source.entriesBefore(position)) out.push(entry);
  return out;
}

describe('FileAuditSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-audit-read-'));
  });

  it('reads every line newest first across chunk boundaries, multi-byte text intact', async () => {
    // ~1 MB of lines of varied length, so lines straddle the 64 KiB read chunks at every offset.
    const lines = Array.from({ length: 6000 }, (_, i) => `{"n":${i},"pad":"${'é'.repeat((i * 37) % 150)}"}`);
    const file = join(dir, 'many.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const entries = await collect(new FileAuditSource(file), null);
    expect(entries.map((e) => e.line)).toEqual([...lines].reverse());

    // Resuming from any entry's position continues with exactly the older lines.
    const source = new FileAuditSource(file);
    for (const index of [0, 1, 2999, 5998]) {
      const rest = await collect(source, (entries[index] as AuditEntry).position);
      expect(rest.map((e) => e.line)).toEqual([...lines].reverse().slice(index + 1));
    }
  });

  it('skips a run longer than 1 MiB without a newline and keeps its neighbours', async () => {
    const file = join(dir, 'damaged.jsonl');
    await writeFile(file, `first\n${'x'.repeat(1.5 * 1024 * 1024)}\nlast\n`);
    expect((await collect(new FileAuditSource(file), null)).map((e) => e.line)).toEqual(['last', 'first']);
  });

  it('ignores blank lines and a file with no complete line', async () => {
    const file = join(dir, 'sparse.jsonl');
    await writeFile(file, '\n\na\n\nb\npartial');
    expect((await collect(new FileAuditSource(file), null)).map((e) => e.line)).toEqual(['b', 'a']);
    await writeFile(file, 'partial');
    expect(await collect(new FileAuditSource(file), null)).toEqual([]);
  });

  it('refuses a position that is not a line start, or past the end', async () => {
    const file = join(dir, 'small.jsonl');
    await writeFile(file, 'one\ntwo\n');
    const source = new FileAuditSource(file);
    const [newest] = await collect(source, null);
    const inode = (newest as AuditEntry).position.split(':')[0];
    await expect(collect(source, `${inode}:2`)).rejects.toThrow(new InvalidCursorError('the cursor does not point at the start of an audit line'));
    await expect(collect(source, `${inode}:999`)).rejects.toThrow(/truncated/);
    await expect(collect(source, 'garbage')).rejects.toThrow(new InvalidCursorError('malformed cursor'));
    expect((await collect(source, `${inode}:4`)).map((e) => e.line)).toEqual(['one']);
  });
});
