// One suite, run against both counter stores (like envoy ratelimit's shared cache tests): the
// memory store and the Redis store must agree on every rate, budget and window decision.
// The clock is injected; nothing sleeps.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/limits/memory-store.ts';
import { usdToNano } from '../../src/limits/money.ts';
import { hashTag, rateKey } from '../../src/limits/keys.ts';
import { RedisStore } from '../../src/limits/redis-store.ts';
import type { AcquireResult, CounterStore, Reservation } from '../../src/limits/types.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.ts';
import { startRedisSentinel, type TestRedisSentinel } from '../helpers/redis-sentinel.ts';
import { budget, rate, refusedBudget, refusedRate, request, reservationOf, TTL_MS } from './fixtures.ts';

const T0 = Date.parse('2026-06-10T12:00:00Z');
const SECOND = 1_000;

interface SuiteOptions {
  /** How many acquire+settle pairs the integer-accounting test runs: 1,000,000 where a pair costs microseconds. */
  readonly microSettles: number;
}

function counterStoreSuite(open: () => CounterStore, options: SuiteOptions): void {
  let store: CounterStore;
  beforeEach(() => {
    store = open();
  });
  afterEach(async () => {
    await store.close();
  });

  describe('rate limits', () => {
    const perMinute = rate('agent', '5/min');

    it('admits exactly 5 of 20 in a minute and says when the oldest leaves the window', async () => {
      const outcomes = [];
      for (let i = 0; i < 20; i++) outcomes.push(await store.acquire(request(T0 + i * SECOND, { rates: [perMinute] })));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
      expect(outcomes.slice(0, 5).every((o) => o.ok)).toBe(true);
      // The 6th, at T0+5s: the first admission (T0) leaves at T0+60s.
      expect(refusedRate(outcomes[5]!)).toEqual({ id: 'agent', retryAfterSec: 55 });
      expect(refusedRate(outcomes[19]!).retryAfterSec).toBe(41);
    });

    it('admits again exactly when the oldest admission leaves, and never 6 in any minute', async () => {
      for (let i = 0; i < 5; i++) expect((await store.acquire(request(T0 + i * SECOND, { rates: [perMinute] }))).ok).toBe(true);
      expect(refusedRate(await store.acquire(request(T0 + 60 * SECOND - 1, { rates: [perMinute] }))).retryAfterSec).toBe(1);
      expect((await store.acquire(request(T0 + 60 * SECOND, { rates: [perMinute] }))).ok).toBe(true);
      // (T0+1s, T0+61s] already holds 5 again: T0+1s … T0+4s and T0+60s.
      expect(refusedRate(await store.acquire(request(T0 + 60 * SECOND, { rates: [perMinute] }))).retryAfterSec).toBe(1);
      expect((await store.acquire(request(T0 + 61 * SECOND, { rates: [perMinute] }))).ok).toBe(true);
    });

    it('checks agent-wide and per-rule rates together, all or nothing', async () => {
      const agentWide = rate('agent', '3/min');
      const rule = rate('llm/openai', '2/min');
      const other = rate('github-read/read', '100/min');
      expect((await store.acquire(request(T0, { rates: [agentWide, rule] }))).ok).toBe(true);
      expect((await store.acquire(request(T0 + 1, { rates: [agentWide, rule] }))).ok).toBe(true);
      // The rule refuses the 3rd; the agent-wide rate must not have counted it.
      expect(refusedRate(await store.acquire(request(T0 + 2, { rates: [agentWide, rule] }))).id).toBe('llm/openai');
      expect((await store.acquire(request(T0 + 3, { rates: [agentWide, other] }))).ok).toBe(true);
      // Now the agent-wide rate is full, and it refuses without consuming the other rule.
      expect(refusedRate(await store.acquire(request(T0 + 4, { rates: [agentWide, other] }))).id).toBe('agent');
      expect((await store.acquire(request(T0 + 5, { agentId: 'agent-2', rates: [agentWide, rule] }))).ok).toBe(true);
    });

    it('names the rate that frees up last when several refuse', async () => {
      const perSecond = rate('llm/openai', '1/s');
      const perMinute = rate('agent', '1/min');
      expect((await store.acquire(request(T0, { rates: [perSecond, perMinute] }))).ok).toBe(true);
      expect(refusedRate(await store.acquire(request(T0 + 500, { rates: [perSecond, perMinute] })))).toEqual({ id: 'agent', retryAfterSec: 60 });
    });

    it('counts a request refused by a budget against no rate', async () => {
      const once = rate('agent', '1/min');
      const tiny = budget('tiny', 0.01);
      refusedBudget(await store.acquire(request(T0, { rates: [once], budgets: [tiny], estimateUsd: 0.02 })));
      expect((await store.acquire(request(T0 + 1, { rates: [once], budgets: [tiny], estimateUsd: 0.01 }))).ok).toBe(true);
    });
  });

  describe('budgets', () => {
    const daily = budget('daily', 10);

    it('reserves an estimate and settle replaces it by the actual cost', async () => {
      const admitted = await store.acquire(request(T0, { budgets: [daily], estimateUsd: 1 }));
      const reservation = reservationOf(admitted);
      expect(reservation.estimateNano).toBe(usdToNano(1));
      expect(await store.budgetStates('agent-1', null, [daily], T0 + 1)).toEqual([
        { id: 'daily', owner: 'agent-1', spentUsd: 0, reservedUsd: 1, limitUsd: 10, resetsAt: '2026-06-11T00:00:00.000Z' },
      ]);
      const after = await store.settle(reservation, usdToNano(0.4), T0 + 2);
      expect(after).toEqual([{ id: 'daily', owner: 'agent-1', spentUsd: 0.4, reservedUsd: 0, limitUsd: 10, resetsAt: '2026-06-11T00:00:00.000Z' }]);
      expect(await store.budgetStates('agent-1', null, [daily], T0 + 3)).toEqual(after);
    });

    it('refuses when spent + reserved + estimate would cross the limit, and allows reaching it exactly', async () => {
      await store.settle(reservationOf(await store.acquire(request(T0, { budgets: [daily], estimateUsd: 6 }))), usdToNano(6), T0);
      reservationOf(await store.acquire(request(T0 + 1, { budgets: [daily], estimateUsd: 3 })));
      expect(refusedBudget(await store.acquire(request(T0 + 2, { budgets: [daily], estimateUsd: 1.000000001 })))).toEqual({
        id: 'daily',
        owner: 'agent-1',
        spentUsd: 6,
        reservedUsd: 3,
        limitUsd: 10,
        resetsAt: '2026-06-11T00:00:00.000Z',
      });
      reservationOf(await store.acquire(request(T0 + 3, { budgets: [daily], estimateUsd: 1 })));
      // At the limit: even a request with no estimate is refused.
      refusedBudget(await store.acquire(request(T0 + 4, { budgets: [daily], estimateUsd: 0 })));
    });

    it('checks every budget and reserves against all of them or none', async () => {
      const roomy = budget('roomy', 100);
      const tight = budget('tight', 1, { per: 'hour' });
      expect(refusedBudget(await store.acquire(request(T0, { budgets: [roomy, tight], estimateUsd: 2 }))).id).toBe('tight');
      const [roomyState] = await store.budgetStates('agent-1', null, [roomy], T0);
      expect(roomyState?.reservedUsd).toBe(0);
      const reservation = reservationOf(await store.acquire(request(T0, { budgets: [roomy, tight], estimateUsd: 1 })));
      const settled = await store.settle(reservation, usdToNano(0.25), T0 + 1);
      expect(settled.map((s) => [s.id, s.spentUsd, s.reservedUsd])).toEqual([
        ['roomy', 0.25, 0],
        ['tight', 0.25, 0],
      ]);
    });

    it('shares a team budget between the agents of the team and keeps default budgets per agent', async () => {
      const team = budget('monthly', 1, { owner: 'team:finance', per: 'month' });
      const perAgent = budget('default-daily', 0.5, { owner: '*' });
      const a = { agentId: 'auditor', team: 'finance', budgets: [perAgent, team] };
      const b = { agentId: 'analyst', team: 'finance', budgets: [perAgent, team] };
      reservationOf(await store.acquire(request(T0, { ...a, estimateUsd: 0.5 })));
      // The analyst's own default budget is untouched, the team's holds 0.5 already.
      expect(refusedBudget(await store.acquire(request(T0 + 1, { ...b, estimateUsd: 0.6 }))).id).toBe('default-daily');
      reservationOf(await store.acquire(request(T0 + 2, { ...b, estimateUsd: 0.5 })));
      const refused = refusedBudget(await store.acquire(request(T0 + 3, { ...b, budgets: [team], estimateUsd: 0.01 })));
      expect(refused).toMatchObject({ id: 'monthly', owner: 'team:finance', reservedUsd: 1, resetsAt: '2026-07-01T00:00:00.000Z' });
    });

    it('releases a reservation nobody settled once it expires', async () => {
      reservationOf(await store.acquire(request(T0, { budgets: [daily], estimateUsd: 8 })));
      refusedBudget(await store.acquire(request(T0 + TTL_MS - 1, { budgets: [daily], estimateUsd: 5 })));
      reservationOf(await store.acquire(request(T0 + TTL_MS, { budgets: [daily], estimateUsd: 5 })));
      const [state] = await store.budgetStates('agent-1', null, [daily], T0 + TTL_MS);
      expect(state).toMatchObject({ spentUsd: 0, reservedUsd: 5 });
    });

    it('still charges the actual cost when the reservation expired before settle', async () => {
      const late = reservationOf(await store.acquire(request(T0, { budgets: [daily], estimateUsd: 2 })));
      await store.budgetStates('agent-1', null, [daily], T0 + TTL_MS + 1);
      const [state] = await store.settle(late, usdToNano(3), T0 + TTL_MS + 2);
      expect(state).toMatchObject({ spentUsd: 3, reservedUsd: 0 });
    });

    it('rejects amounts that are not whole nano-dollars', async () => {
      await expect(store.acquire({ ...request(T0, { budgets: [daily] }), estimateNano: 0.5 })).rejects.toThrow(RangeError);
      const reservation = reservationOf(await store.acquire(request(T0, { budgets: [daily], estimateUsd: 1 })));
      await expect(store.settle(reservation, -1, T0)).rejects.toThrow(RangeError);
    });

    it('returns no reservation without budgets, and settles a zero estimate by the actual cost', async () => {
      expect(await store.acquire(request(T0, { rates: [rate('agent', '10/s')] }))).toEqual({ ok: true, reservation: null });
      const zero = reservationOf(await store.acquire(request(T0, { budgets: [daily] })));
      expect((await store.budgetStates('agent-1', null, [daily], T0))[0]?.reservedUsd).toBe(0);
      expect((await store.settle(zero, usdToNano(0.125), T0 + 1))[0]?.spentUsd).toBe(0.125);
    });
  });

  describe('calendar windows', () => {
    it('resets a New York day budget at local midnight', async () => {
      const ny = budget('ny-daily', 5, { tz: 'America/New_York' });
      const lastMinute = Date.parse('2026-06-11T03:59:00Z'); // 23:59 EDT on 10 June
      await store.settle(reservationOf(await store.acquire(request(lastMinute, { budgets: [ny], estimateUsd: 5 }))), usdToNano(5), lastMinute);
      const refused = refusedBudget(await store.acquire(request(lastMinute + 59_999, { budgets: [ny], estimateUsd: 0.01 })));
      expect(refused).toMatchObject({ spentUsd: 5, resetsAt: '2026-06-11T04:00:00.000Z' });
      const fresh = reservationOf(await store.acquire(request(Date.parse('2026-06-11T04:00:00Z'), { budgets: [ny], estimateUsd: 5 })));
      const [state] = await store.settle(fresh, usdToNano(1), Date.parse('2026-06-11T04:00:01Z'));
      expect(state).toMatchObject({ spentUsd: 1, resetsAt: '2026-06-12T04:00:00.000Z' });
    });

    it('resets a Berlin month budget at local midnight on the 1st', async () => {
      const berlin = budget('monthly', 20, { per: 'month', tz: 'Europe/Berlin' });
      const feb = Date.parse('2026-02-28T22:59:59Z'); // 23:59:59 CET on 28 February
      await store.settle(reservationOf(await store.acquire(request(feb, { budgets: [berlin], estimateUsd: 20 }))), usdToNano(20), feb);
      refusedBudget(await store.acquire(request(feb + 999, { budgets: [berlin], estimateUsd: 1 })));
      const march = Date.parse('2026-02-28T23:00:00Z');
      reservationOf(await store.acquire(request(march, { budgets: [berlin], estimateUsd: 20 })));
      const [state] = await store.budgetStates('agent-1', null, [berlin], march);
      // March ends at midnight CEST (UTC+2): Berlin moved its clocks on the 29th.
      expect(state).toMatchObject({ spentUsd: 0, reservedUsd: 20, resetsAt: '2026-03-31T22:00:00.000Z' });
    });

    it('starts weekly budgets on Monday', async () => {
      const weekly = budget('weekly', 1, { per: 'week' });
      const sunday = Date.parse('2026-06-14T23:59:59Z');
      const refused = refusedBudget(await store.acquire(request(sunday, { budgets: [weekly], estimateUsd: 2 })));
      expect(refused.resetsAt).toBe('2026-06-15T00:00:00.000Z');
    });
  });

  const n = options.microSettles;
  it(`adds ${n.toLocaleString('en-US')} settles of $${1 / n} to exactly $1 (integer nano-dollars)`, async () => {
    const floatSum = Array.from({ length: n }, () => 1 / n).reduce((sum, x) => sum + x, 0);
    expect(floatSum).not.toBe(1);
    const micro = budget('micro', 1);
    const BATCH = 1_000;
    for (let done = 0; done < n; done += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, async (_, i) => {
          const now = T0 + done + i;
          const reservation = reservationOf(await store.acquire(request(now, { budgets: [micro], estimateUsd: 1 / n })));
          await store.settle(reservation, usdToNano(1 / n), now);
        }),
      );
    }
    const [state] = await store.budgetStates('agent-1', null, [micro], T0 + n);
    expect(state).toMatchObject({ spentUsd: 1, reservedUsd: 0 });
    refusedBudget(await store.acquire(request(T0 + n + 1, { budgets: [micro], estimateUsd: 1 / n })));
  }, 60_000);
}

describe('MemoryStore', () => {
  counterStoreSuite(() => new MemoryStore(), { microSettles: 1_000_000 });
});

describe.skipIf(!redisAvailable)('RedisStore', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    await redis.flush();
  });
  // ~25k pairs/s on loopback: a million would take most of a minute.
  counterStoreSuite(() => new RedisStore(redis.url), { microSettles: 100_000 });

  describe('one round trip per request', () => {
    const limited = budget('daily', 3);

    async function scriptRuns(run: () => Promise<void>): Promise<number> {
      const admin = new Redis(redis.url);
      try {
        await admin.config('RESETSTAT');
        await run();
        const stats = await admin.info('commandstats');
        return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      } finally {
        await admin.quit();
      }
    }

    it('a settle rides with the next acquire, which sees the actual cost', async () => {
      const store = new RedisStore(redis.url);
      try {
        // Scripts loaded first, so the count below is of EVALSHA runs only.
        await store.settle(reservationOf(await store.acquire(request(T0, { budgets: [limited], estimateUsd: 0 }))), 0, T0);
        let settled: Promise<unknown> = Promise.resolve();
        const runs = await scriptRuns(async () => {
          const first = reservationOf(await store.acquire(request(T0 + 1, { budgets: [limited], estimateUsd: 2 })));
          settled = store.settle(first, usdToNano(0.5), T0 + 2);
          // Reserved 2 + estimate 2 would cross $3; after the settle it is 0.5 + 2.
          expect((await store.acquire(request(T0 + 3, { budgets: [limited], estimateUsd: 2 }))).ok).toBe(true);
        });
        expect(runs).toBe(2);
        expect(await settled).toEqual([expect.objectContaining({ id: 'daily', spentUsd: 0.5, reservedUsd: 0 })]);
      } finally {
        await store.close();
      }
    });

    it('acquires made in one turn go in one script call, each still checked on its own', async () => {
      const store = new RedisStore(redis.url);
      try {
        await store.acquire(request(T0, { agentId: 'warm-up' }));
        const fivePerMinute = rate('agent', '5/min');
        let outcomes: Awaited<ReturnType<CounterStore['acquire']>>[] = [];
        const runs = await scriptRuns(async () => {
          outcomes = await Promise.all([
            ...Array.from({ length: 8 }, (_, i) => store.acquire(request(T0 + i, { rates: [fivePerMinute] }))),
            store.acquire(request(T0, { agentId: 'agent-2', budgets: [limited], estimateUsd: 3 })),
            store.acquire(request(T0, { agentId: 'agent-2', budgets: [limited], estimateUsd: 1 })),
          ]);
        });
        expect(runs).toBe(1);
        expect(outcomes.slice(0, 8).map((o) => o.ok)).toEqual([true, true, true, true, true, false, false, false]);
        expect(refusedRate(outcomes[5]!).id).toBe('agent');
        expect(outcomes[8]?.ok).toBe(true);
        expect(refusedBudget(outcomes[9]!)).toMatchObject({ id: 'daily', reservedUsd: 3 });
      } finally {
        await store.close();
      }
    });

    it('splits a burst into calls of at most 128 requests, so a command never grows without bound', async () => {
      const store = new RedisStore(redis.url);
      try {
        await store.acquire(request(T0, { agentId: 'warm-up' }));
        const perMinute = rate('agent', '250/min');
        let outcomes: Awaited<ReturnType<CounterStore['acquire']>>[] = [];
        const runs = await scriptRuns(async () => {
          outcomes = await Promise.all(Array.from({ length: 300 }, (_, i) => store.acquire(request(T0 + i, { rates: [perMinute] }))));
        });
        expect(runs).toBe(3);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(250);
        expect(outcomes.slice(0, 250).every((o) => o.ok)).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('settles no acquire takes run on their own within moments, and close() runs what is pending', async () => {
      const store = new RedisStore(redis.url);
      const alone = reservationOf(await store.acquire(request(T0, { budgets: [limited], estimateUsd: 1 })));
      expect(await store.settle(alone, usdToNano(0.25), T0 + 1)).toEqual([expect.objectContaining({ spentUsd: 0.25, reservedUsd: 0 })]);
      const last = reservationOf(await store.acquire(request(T0 + 2, { budgets: [limited], estimateUsd: 1 })));
      const pending = store.settle(last, usdToNano(0.5), T0 + 3);
      await store.close();
      expect(await pending).toEqual([expect.objectContaining({ spentUsd: 0.75, reservedUsd: 0 })]);
      const reader = new RedisStore(redis.url);
      try {
        expect(await reader.budgetStates('agent-1', null, [limited], T0 + 4)).toEqual([expect.objectContaining({ spentUsd: 0.75, reservedUsd: 0 })]);
      } finally {
        await reader.close();
      }
    });

    it('in one call, a later request sees an earlier admission leave the window and its reservation expire', async () => {
      const store = new RedisStore(redis.url);
      try {
        await store.acquire(request(T0, { agentId: 'warm-up' }));
        const perSecond = rate('agent', '1/s');
        const two = budget('daily', 2);
        let outcomes: AcquireResult[] = [];
        const runs = await scriptRuns(async () => {
          outcomes = await Promise.all([
            store.acquire(request(T0, { rates: [perSecond] })),
            store.acquire(request(T0 + 1_000, { rates: [perSecond] })),
            store.acquire(request(T0 + 1_999, { rates: [perSecond] })),
            store.acquire(request(T0 + 2_000, { rates: [perSecond] })),
            store.acquire(request(T0, { agentId: 'agent-2', budgets: [two], estimateUsd: 2, reservationTtlMs: 1_000 })),
            store.acquire(request(T0 + 999, { agentId: 'agent-2', budgets: [two], estimateUsd: 2 })),
            store.acquire(request(T0 + 1_000, { agentId: 'agent-2', budgets: [two], estimateUsd: 2 })),
          ]);
        });
        expect(runs).toBe(1);
        expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true, true, false, true]);
        expect(refusedRate(outcomes[2]!)).toEqual({ id: 'agent', retryAfterSec: 1 });
        expect(refusedBudget(outcomes[5]!)).toMatchObject({ spentUsd: 0, reservedUsd: 2 });
        expect(await store.budgetStates('agent-2', null, [two], T0 + 1_000)).toEqual([expect.objectContaining({ spentUsd: 0, reservedUsd: 2 })]);
      } finally {
        await store.close();
      }
    });

    it('decides a call of many requests exactly as the memory store decides them one by one', async () => {
      // One call reads each key once and writes it back at the end (lua/cache.lua): requests in
      // the same call must still see each other, windows that slide and reservations that expire
      // between them. Rounds of acquires made in one turn, whose times cross a 3/s and a 10/min
      // window and a 1.5 s reservation TTL, with the settles of the round before riding along.
      const redisStore = new RedisStore(redis.url);
      const memory = new MemoryStore();
      let seed = 7;
      const random = (): number => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed / 2_147_483_648;
      };
      const rates = [rate('agent', '20/min'), rate('llm/openai', '3/s')];
      const team = budget('monthly', 3, { owner: 'team:ops', per: 'month' });
      const budgetsOf = (agentId: string) => [budget('daily', 2, { owner: agentId }), team];
      type Held = { redis: Reservation; memory: Reservation; actualNano: number; now: number };
      let held: Held[] = [];
      let now = T0;
      let refusedByRate = 0;
      let refusedByBudget = 0;
      try {
        for (let round = 0; round < 60; round++) {
          const settles = held.map((h) => [redisStore.settle(h.redis, h.actualNano, h.now), memory.settle(h.memory, h.actualNano, h.now)] as const);
          const requests = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
            now += Math.floor(random() * 250);
            const agentId = random() < 0.5 ? 'agent-1' : 'agent-2';
            return request(now, { agentId, team: 'ops', rates, budgets: budgetsOf(agentId), estimateUsd: Math.floor(random() * 150) / 100, reservationTtlMs: 1_500 });
          });
          const fromRedis = await Promise.all(requests.map((r) => redisStore.acquire(r)));
          const fromMemory = await Promise.all(requests.map((r) => memory.acquire(r)));
          for (const [a, b] of settles) expect(await a).toEqual(await b);
          expect(fromRedis.map(outcome)).toEqual(fromMemory.map(outcome));
          held = [];
          fromRedis.forEach((result, i) => {
            if (!result.ok) {
              if (result.code === 'rate_limited') refusedByRate++;
              else refusedByBudget++;
              return;
            }
            // Every third admission is never settled: its reservation expires.
            if (result.reservation !== null && random() < 0.67) {
              held.push({ redis: result.reservation, memory: reservationOf(fromMemory[i]!), actualNano: usdToNano(Math.floor(random() * 3) / 100), now: now + 1 });
            }
          });
          now += Math.floor(random() * 1_500);
        }
        expect(refusedByRate).toBeGreaterThan(10);
        expect(refusedByBudget).toBeGreaterThan(10);
        for (const agentId of ['agent-1', 'agent-2']) {
          expect(await redisStore.budgetStates(agentId, 'ops', budgetsOf(agentId), now)).toEqual(await memory.budgetStates(agentId, 'ops', budgetsOf(agentId), now));
        }
      } finally {
        await redisStore.close();
        await memory.close();
      }
    });

    it('a settle riding with an acquire the store never answers fails with it', async () => {
      const store = new RedisStore(redis.url, { deadlineMs: 300, commandTimeoutMs: 200 });
      try {
        const reservation = reservationOf(await store.acquire(request(T0, { budgets: [limited], estimateUsd: 1 })));
        process.kill(redis.pid, 'SIGSTOP');
        const settled = store.settle(reservation, usdToNano(0.5), T0 + 1);
        await expect(store.acquire(request(T0 + 2, { budgets: [limited], estimateUsd: 1 }))).rejects.toThrow(/counter store unavailable/);
        await expect(settled).rejects.toThrow(/counter store unavailable/);
      } finally {
        process.kill(redis.pid, 'SIGCONT');
        await store.close();
      }
    });
  });
});

// And through Sentinel: the store finds its master by asking a Sentinel (`redis+sentinel://`).
describe.skipIf(!redisAvailable)('RedisStore through Redis Sentinel', () => {
  let sentinel: TestRedisSentinel;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 30_000);
  afterAll(async () => {
    await sentinel.stop();
  });
  beforeEach(async () => {
    await sentinel.master.flush();
  });
  counterStoreSuite(() => new RedisStore(sentinel.url), { microSettles: 20_000 });
});

describe.skipIf(!redisAvailable)('RedisStore across a Sentinel failover', () => {
  it('follows the promotion at once: within 3 s of it, acquires land on the new master', async () => {
    const sentinel = await startRedisSentinel();
    const store = new RedisStore(sentinel.url);
    const newMaster = new Redis({ host: '127.0.0.1', port: sentinel.replica.port });
    const log = rateKey(hashTag('agent-1', null), 'agent-1', 'agent');
    const lots = rate('agent', '1000000/min');
    try {
      expect((await store.acquire(request(T0, { rates: [lots] }))).ok).toBe(true);
      await sentinel.failover();
      const promoted = performance.now();
      // Meanwhile an acquire may fail (store_unavailable, within its deadline); none may go on
      // writing to the old master, whose writes are lost when it resyncs from the new one.
      let landed = false;
      for (let i = 1; !landed && performance.now() - promoted < 10_000; i++) {
        const before = await newMaster.zcard(log);
        const result = await store.acquire(request(T0 + i, { rates: [lots] })).catch(() => null);
        landed = result?.ok === true && (await newMaster.zcard(log)) === before + 1;
        if (!landed) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(landed).toBe(true);
      expect(performance.now() - promoted).toBeLessThan(3_000);
    } finally {
      newMaster.disconnect();
      await store.close();
      await sentinel.stop();
    }
  }, 40_000);
});

// The same suite on a real three-node Cluster: a script may only touch keys of one slot, so
// the store sends each hash tag's requests (an agent's, or its team's) in calls of their own.
describe.skipIf(!redisAvailable)('RedisStore on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 30_000);
  afterAll(async () => {
    await cluster.stop();
  });
  beforeEach(async () => {
    await cluster.flush();
  });
  counterStoreSuite(() => new RedisStore(cluster.url), { microSettles: 20_000 });

  it('sends the acquires of one turn in one call per hash tag, and settles only with their own tag', async () => {
    const store = new RedisStore(cluster.url);
    try {
      const twoPerMinute = rate('agent', '2/min');
      const daily = (owner: string) => budget('daily', 10, { owner });
      const agents = [{ agentId: 'a1', team: 'red' }, { agentId: 'a2', team: 'blue' }, { agentId: 'a3', team: null }];
      const ask = (now: number) => agents.flatMap(({ agentId, team }) =>
        Array.from({ length: 3 }, () => store.acquire(request(now, { agentId, team, rates: [twoPerMinute], budgets: [daily(agentId)], estimateUsd: 1 }))));
      await Promise.all(agents.map(({ agentId, team }) => store.acquire(request(T0 - 120_000, { agentId, team }))));
      await cluster.resetStats();
      const first = await Promise.all(ask(T0));
      expect((await cluster.scriptRuns()).reduce((a, b) => a + b, 0)).toBe(3);
      expect(first.map((o) => o.ok)).toEqual([true, true, false, true, true, false, true, true, false]);
      expect(refusedRate(first[2]!).id).toBe('agent');

      // The admitted requests settle; each settle rides with its own tag's acquire in the next turn.
      await cluster.resetStats();
      const settled = first.filter((o) => o.ok).map((o) => store.settle(reservationOf(o), usdToNano(0.5), T0 + 1));
      const second = await Promise.all(ask(T0 + 61_000));
      expect((await cluster.scriptRuns()).reduce((a, b) => a + b, 0)).toBe(3);
      expect(second.map((o) => o.ok)).toEqual([true, true, false, true, true, false, true, true, false]);
      // Per agent, in order: the first settle leaves the other reservation, the second none.
      expect((await Promise.all(settled)).map(([state]) => [state?.spentUsd, state?.reservedUsd])).toEqual([[0.5, 1], [1, 0], [0.5, 1], [1, 0], [0.5, 1], [1, 0]]);
      for (const { agentId, team } of agents) {
        expect(await store.budgetStates(agentId, team, [daily(agentId)], T0 + 61_001)).toEqual([expect.objectContaining({ spentUsd: 1, reservedUsd: 2 })]);
      }
    } finally {
      await store.close();
    }
  });
});

/** An acquire's outcome without the reservation object (each store makes its own). */
function outcome(result: AcquireResult): unknown {
  return result.ok ? { ok: true, reserved: result.reservation?.estimateNano ?? null } : result;
}
