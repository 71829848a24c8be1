import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { captureLog } from './capture-log.ts';
import { exchange } from './exchanges.ts';

describe('AuditLog policy version', () => {
  it('stamps the current version, or the one that decided the exchange when given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-version-'));
    try {
      const file = join(dir, 'audit.jsonl');
      const audit = new AuditLog([{ type: 'file', path: file }], 'sha256:old', { log: captureLog().log });
      audit.write(exchange(0));
      audit.setPolicyVersion('sha256:new');
      audit.write(exchange(1));
      audit.write(exchange(2), 'sha256:old'); // began before the reload, ends after it
      await audit.close();
      const versions = (await readFile(file, 'utf8')).trim().split('\n')
        .map((l) => (JSON.parse(l) as { policy_version: string }).policy_version);
      expect(versions).toEqual(['sha256:old', 'sha256:new', 'sha256:old']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
