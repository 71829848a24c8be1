// Two RedisStore instances on one redis-server are two replicas (two ioredis connections):
// limits must hold across them under concurrency, because each acquire is one atomic script.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { usdToNano } from '../../src/limits/money.ts';
import { RedisStore } from '../../src/limits/redis-store.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { budget, rate, request } from './fixtures.ts';

const T0 = Date.parse('2026-06-10T12:00:00Z');

describe.skipIf(!redisAvailable)('RedisStore across replicas', () => {
  let redis: TestRedis;
  let replicas: RedisStore[];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    await redis.flush();
    replicas = [new RedisStore(redis.url), new RedisStore(redis.url)];
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('never reserves past a budget under 200 concurrent acquires from two replicas', async () => {
    const team = budget('monthly', 1, { owner: 'team:finance', per: 'month' });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        replicas[i % 2]!.acquire(request(T0 + (i % 7), { agentId: `agent-${i % 5}`, team: 'finance', budgets: [team], estimateUsd: 0.05 })),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    const [state] = await replicas[0]!.budgetStates('agent-0', 'finance', [team], T0 + 10);
    expect(state).toMatchObject({ spentUsd: 0, reservedUsd: 1, limitUsd: 1 });
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'budget_exceeded')).toBe(true);
  });

  it('keeps settles from both replicas exact while others reserve', async () => {
    const daily = budget('daily', 10);
    const admitted = await Promise.all(
      Array.from({ length: 100 }, (_, i) => replicas[i % 2]!.acquire(request(T0 + i, { budgets: [daily], estimateUsd: 0.1 }))),
    );
    await Promise.all(
      admitted.map((result, i) => {
        if (!result.ok || result.reservation === null) throw new Error('expected an admission');
        return replicas[(i + 1) % 2]!.settle(result.reservation, usdToNano(0.03), T0 + 200);
      }),
    );
    const [state] = await replicas[1]!.budgetStates('agent-1', null, [daily], T0 + 300);
    expect(state).toMatchObject({ spentUsd: 3, reservedUsd: 0 });
  });

  it('admits exactly 5 of 40 concurrent requests at 5/min across two replicas', async () => {
    const perMinute = rate('agent', '5/min');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => replicas[i % 2]!.acquire(request(T0 + i * 100, { rates: [perMinute] }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results) if (!r.ok && r.code === 'rate_limited') expect(r.retryAfterSec).toBeGreaterThanOrEqual(1);
  });
});
