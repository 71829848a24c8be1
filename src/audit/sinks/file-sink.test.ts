import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/audit/capture-log.ts';
import { exchange } from '../../../test/audit/exchanges.ts';
import { AuditLog } from '../audit-log.ts';
import { verifyAuditFile } from '../verify.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'portcullis-file-sink-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const readLines = async (file: string): Promise<Record<string, unknown>[]> =>
  (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('file sink', () => {
  it('appends sealed lines whose chain verifies, creating missing directories', async () => {
    const file = join(dir, 'nested/deeper/audit.jsonl');
    const audit = new AuditLog([{ type: 'file', path: file }], 'sha256:v1', { log: captureLog().log });
    for (let i = 0; i < 250; i++) audit.write(exchange(i));
    expect(await audit.flush()).toBe(true);
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 250, instances: 1 });
    expect(audit.stats()[`file:${file}`]).toEqual({ queued: 0, dropped: 0, written: 250, failures: 0, accepting: true });
    expect(audit.available).toBe(true);
    await audit.close();
  });

  it('reopen() after a logrotate-style rename sends later lines to a new file at the original path', async () => {
    const file = join(dir, 'rotate.jsonl');
    const rotated = join(dir, 'rotate.jsonl.1');
    const audit = new AuditLog([{ type: 'file', path: file }], 'sha256:v1', { log: captureLog().log });
    for (let i = 0; i < 5; i++) audit.write(exchange(i));
    await audit.flush();
    await rename(file, rotated);
    // Until SIGUSR2, the open descriptor still points at the renamed file.
    audit.write(exchange(5));
    await audit.flush();
    await audit.reopen();
    for (let i = 6; i < 9; i++) audit.write(exchange(i));
    await audit.flush();
    await audit.close();

    expect((await readLines(rotated)).map((r) => r['seq'])).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await readLines(file)).map((r) => r['seq'])).toEqual([7, 8, 9]);
    // The two files together are one unbroken chain.
    const joined = join(dir, 'joined.jsonl');
    await writeFile(joined, (await readFile(rotated, 'utf8')) + (await readFile(file, 'utf8')));
    expect(await verifyAuditFile(joined)).toEqual({ ok: true, records: 9, instances: 1 });
  });

  it('a reopen that cannot open the path is logged, the lines wait, and the next reopen delivers them', async () => {
    const sub = join(dir, 'gone');
    const file = join(sub, 'audit.jsonl');
    const captured = captureLog();
    const audit = new AuditLog([{ type: 'file', path: file }], 'sha256:v1', {
      log: captured.log, tuning: { file: { backoff: { baseMs: 5, capMs: 20 } } },
    });
    audit.write(exchange(0));
    await audit.flush();
    await rm(sub, { recursive: true });
    await writeFile(sub, 'a file where the directory was');
    await audit.reopen();
    expect(captured.lines().some((l) => l['msg'] === 'audit sink could not be reopened')).toBe(true);
    expect(audit.available).toBe(false);
    audit.write(exchange(1));
    await new Promise((r) => setTimeout(r, 60));
    expect(audit.stats()[`file:${file}`]).toMatchObject({ queued: 1, written: 1, accepting: false });
    await rm(sub);
    const flushed = audit.flush();
    await flushed;
    expect(audit.available).toBe(true);
    expect((await readLines(file)).map((r) => r['seq'])).toEqual([2]);
    await audit.close();
  });

  it('refuses to start with a path that cannot be opened', async () => {
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, '');
    expect(() => new AuditLog([{ type: 'file', path: join(blocker, 'audit.jsonl') }], 'v')).toThrow(/ENOTDIR|EEXIST/);
  });
});
