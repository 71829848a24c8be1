// SPEC §5: with the store down, a request is answered (503 `store_unavailable`) within 2 s;
// traffic recovers within 5 s of the store coming back, with no restart of the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/limits/redis-store.ts';
import { StoreUnavailableError } from '../../src/limits/types.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { budget, rate, request } from './fixtures.ts';

const T0 = Date.parse('2026-06-10T12:00:00Z');

describe.skipIf(!redisAvailable)('RedisStore when Redis goes away', () => {
  let redis: TestRedis;
  let store: RedisStore;
  const acquire = (i: number) => store.acquire(request(T0 + i, { rates: [rate('agent', '1000/s')], budgets: [budget('daily', 100)], estimateUsd: 0.01 }));

  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore(redis.url);
  });
  afterAll(async () => {
    await store.close();
    await redis.stop();
  });

  it('rejects with StoreUnavailableError within 2 s when killed, and recovers within 5 s of a restart', async () => {
    expect((await acquire(0)).ok).toBe(true);
    expect(store.healthy).toBe(true);

    await redis.kill();
    for (let i = 1; i <= 5; i++) {
      const started = performance.now();
      await expect(acquire(i)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
    expect(store.healthy).toBe(false);

    await redis.restart();
    const back = performance.now();
    let recovered = false;
    while (!recovered && performance.now() - back < 5_000) {
      recovered = await acquire(10).then((r) => r.ok, () => false);
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(recovered).toBe(true);
    expect(performance.now() - back).toBeLessThan(5_000);
    expect(store.healthy).toBe(true);
  });

  it('answers within the deadline when the server stops answering without closing', async () => {
    const stalled = new RedisStore(redis.url, { commandTimeoutMs: 300, deadlineMs: 500 });
    try {
      expect((await stalled.acquire(request(T0, {}))).ok).toBe(true);
      process.kill(redis.pid, 'SIGSTOP');
      const started = performance.now();
      await expect(stalled.acquire(request(T0 + 1, { rates: [rate('agent', '5/s')] }))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      await stalled.close();
    }
  });
});
