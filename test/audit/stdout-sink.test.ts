import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../src/audit/verify.ts';

const run = promisify(execFile);

describe('stdout sink', () => {
  it('writes one sealed line per record to fd 1, drains on close, and leaves stdout open', async () => {
    const child = join(import.meta.dirname, 'stdout-child.ts');
    const { stdout } = await run(process.execPath, [child, '2000'], { maxBuffer: 64 * 1024 * 1024, timeout: 15_000 });
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2001);
    expect(lines.at(-1)).toBe('{"marker":"after-close"}');
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-stdout-'));
    try {
      const file = join(dir, 'stdout.jsonl');
      await writeFile(file, lines.slice(0, -1).join('\n') + '\n');
      expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 2000, instances: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
