import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/audit/capture-log.ts';
import { exchange } from '../../../test/audit/exchanges.ts';
import { slowCalls, timeCalls } from '../../../test/audit/timing.ts';
import { redisAvailable, startRedis, type TestRedis } from '../../../test/helpers/redis.ts';
import { startRedisCluster, type TestRedisCluster } from '../../../test/helpers/redis-cluster.ts';
import { createRedisClient } from '../../limits/redis-client.ts';
import { AuditLog } from '../audit-log.ts';
import { LINE_FIELD } from './redis-stream-sink.ts';

const until = async (ok: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(!redisAvailable)('redis-stream sink', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    client.on('error', () => {}); // the test kills Redis on purpose
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  const seqs = async (stream: string): Promise<number[]> =>
    (await client.xrange(stream, '-', '+')).map(([, fields]) => {
      expect(fields[0]).toBe(LINE_FIELD);
      return (JSON.parse(fields[1]!) as { seq: number }).seq;
    });

  it('adds one entry per line under the `line` field, trimming the stream to about maxlen', async () => {
    // The sink's own url wins over the store url it would otherwise fall back on.
    const audit = new AuditLog([{ type: 'redis-stream', stream: 'audit:trim', maxlen: 100, url: redis.url }], 'sha256:v1', {
      log: captureLog().log, redisUrl: 'redis://127.0.0.1:1',
    });
    await until(() => audit.available);
    for (let i = 0; i < 400; i++) audit.write(exchange(i));
    expect(await audit.flush(5_000)).toBe(true);
    const kept = await seqs('audit:trim');
    // MAXLEN ~ trims whole stream nodes: at least 100 stay, far fewer than 400.
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThan(400);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 401 - kept.length + i));
    expect(audit.stats()['redis-stream:audit:trim']).toMatchObject({ written: 400, dropped: 0, failures: 0, accepting: true });
    await audit.close();
  });

  it('Redis killed: writes never block, the queue fills then drops; Redis back: it drains and accepts again', async () => {
    const captured = captureLog();
    const drops: number[] = [];
    const audit = new AuditLog([{ type: 'redis-stream', stream: 'audit:outage' }], 'sha256:v1', {
      log: captured.log, redisUrl: redis.url, onDrop: (_sink, count) => drops.push(count),
      tuning: { 'redis-stream': { maxLines: 50 } },
    });
    const name = 'redis-stream:audit:outage';
    await until(() => audit.available);
    for (let i = 0; i < 10; i++) audit.write(exchange(i));
    await audit.flush(5_000);
    expect(await seqs('audit:outage')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    await redis.kill();
    await until(() => !audit.available);
    captured.log.info('warm-up'); // the gateway's logger is warm long before the first drop
    const exchanges = Array.from({ length: 80 }, (_, i) => exchange(10 + i));
    const timings = await timeCalls(80, (i) => audit.write(exchanges[i]!));
    expect(slowCalls(timings, 1)).toEqual([]);
    // Even preempted, no call came near a network timeout.
    expect(Math.max(...timings.map((t) => t.wallMs))).toBeLessThan(50);
    expect(audit.stats()[name]).toMatchObject({ queued: 50, dropped: 30, written: 10, accepting: false });
    expect(drops.reduce((a, b) => a + b, 0)).toBe(30);
    expect(audit.available).toBe(false);

    await redis.restart(); // an empty Redis: no persistence
    expect(await audit.flush(10_000)).toBe(true);
    // The 50 lines queued during the outage arrive, in order; the 30 beyond the bound do not.
    expect(await seqs('audit:outage')).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
    expect(audit.available).toBe(true);
    expect(audit.stats()[name]).toMatchObject({ queued: 0, dropped: 30, written: 60, accepting: true });
    const logged = captured.lines();
    expect(logged.some((l) => String(l['msg']).includes('dropped') && l['sink'] === name)).toBe(true);
    expect(logged.filter((l) => String(l['msg']).startsWith('audit redis connection')).map((l) => [l['sink'], l['msg']])).toEqual([
      [name, 'audit redis connection down; records wait in the queue until it is back'],
      [name, 'audit redis connection back'],
    ]);
    await audit.close();
    expect(captured.lines().filter((l) => String(l['msg']).startsWith('audit redis connection'))).toHaveLength(2);
  });

  it('refuses a redis-stream sink with neither its own url nor a store url', () => {
    expect(() => new AuditLog([{ type: 'redis-stream', stream: 's' }], 'v')).toThrow(/needs a url/);
  });
});

// store.url may name a Cluster (SPEC §9), and the sink falls back on it: one stream is one key.
describe.skipIf(!redisAvailable)('redis-stream sink on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 30_000);
  afterAll(async () => {
    await cluster.stop();
  });

  it('writes every record, in order, through a redis+cluster:// store url', async () => {
    const audit = new AuditLog([{ type: 'redis-stream', stream: 'audit:cluster' }], 'sha256:v1', { log: captureLog().log, redisUrl: cluster.url });
    await until(() => audit.available);
    for (let i = 0; i < 50; i++) audit.write(exchange(i));
    expect(await audit.flush(5_000)).toBe(true);
    const reader = createRedisClient(cluster.url, { offlineQueue: true });
    try {
      const entries = await reader.xrange('audit:cluster', '-', '+');
      expect(entries.map(([, fields]) => (JSON.parse(fields[1]!) as { seq: number }).seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    } finally {
      reader.disconnect();
    }
    expect(audit.stats()['redis-stream:audit:cluster']).toMatchObject({ written: 50, dropped: 0, failures: 0 });
    await audit.close();
  });
});
