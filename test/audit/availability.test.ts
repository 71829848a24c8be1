// audit.required (issue 5): AuditLog.available is true while at least one sink accepts records.
// With a Redis stream and an HTTP collector both down it turns false (the pipeline then refuses
// traffic with 503 audit_unavailable); either one coming back turns it true, and each drains
// what it queued meanwhile.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { captureLog } from './capture-log.ts';
import { startCollector, type Collector } from './collector.ts';
import { exchange } from './exchanges.ts';

const until = async (ok: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(!redisAvailable)('AuditLog.available', () => {
  let redis: TestRedis;
  let collector: Collector;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    collector = await startCollector();
    client = new Redis(redis.url);
    client.on('error', () => {}); // the test kills Redis on purpose
  });
  afterAll(async () => {
    client.disconnect();
    await collector.close();
    await redis.stop();
  });

  it('is false while every sink is down and true again once one recovers', async () => {
    const audit = new AuditLog([
      { type: 'redis-stream', stream: 'audit:available' },
      { type: 'http', url: collector.url },
    ], 'sha256:v1', {
      log: captureLog().log,
      redisUrl: redis.url,
      tuning: { http: { lingerMs: 10, timeoutMs: 200, backoff: { baseMs: 20, capMs: 100 }, retryBudgetMs: 200 } },
    });
    await until(() => audit.available && Object.values(audit.stats()).every((s) => s.accepting));
    audit.write(exchange(0));
    expect(await audit.flush(5_000)).toBe(true);

    await redis.kill();
    collector.mode = 'fail';
    for (let i = 1; i <= 5; i++) audit.write(exchange(i));
    await until(() => !audit.available);
    expect(Object.values(audit.stats()).map((s) => s.accepting)).toEqual([false, false]);

    collector.mode = 'ok';
    await until(() => audit.available);
    const stats = audit.stats();
    expect(stats['redis-stream:audit:available']).toMatchObject({ accepting: false, queued: 5 });
    expect(Object.values(stats)[1]).toMatchObject({ accepting: true, queued: 0, written: 6 });
    expect(collector.acknowledgedSeqs()).toEqual(range(1, 6));

    await redis.restart();
    expect(await audit.flush(10_000)).toBe(true);
    expect(Object.values(audit.stats()).map((s) => s.accepting)).toEqual([true, true]);
    const entries = await client.xrange('audit:available', '-', '+');
    expect(entries.map(([, fields]) => (JSON.parse(fields[1]!) as { seq: number }).seq)).toEqual(range(2, 6));
    await audit.close();
  });

  it('is false with no sinks at all, and sinks of the same kind get distinct names', async () => {
    expect(new AuditLog([], 'v').available).toBe(false);
    const audit = new AuditLog([{ type: 'http', url: collector.url }, { type: 'http', url: collector.url }], 'v', {
      log: captureLog().log,
    });
    const origin = new URL(collector.url).origin;
    expect(Object.keys(audit.stats())).toEqual([`http:${origin}/ingest`, `http:${origin}/ingest#2`]);
    await audit.close();
  });
});
