// Counter-store cost per request (SPEC §9): one acquire (an agent-wide rate, a per-rule rate, an
// agent budget and a team budget) plus its settle, on the memory store and on a Redis store over
// loopback, in the same run. Measured two ways: one request at a time (latency: for Redis the
// settle waits its 2 ms linger for an acquire to ride with, then goes alone) and 256 in flight
// (throughput: what one replica can push through one connection; settles ride with acquires).
// Every request is admitted (limits are far above what the run consumes), so each op runs the
// full check-then-commit path.
//
// Also printed: the server's own time per script run (INFO commandstats), which bounds what one
// Redis core can serve whatever the clients do.
//
// A second test measures Redis's own CPU per request (/proc of the server) as more requests
// share a script call: k acquires in one event-loop turn, each with the settle of the round
// before riding along, one agent's rate log and budget window (the bench gateway's shape).
//
// Run: npx vitest bench --run bench/limits.bench.ts   (needs redis-server on PATH)
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { test } from 'vitest';
import type { CompiledBudget } from '../src/config/compiled.ts';
import { MemoryStore } from '../src/limits/memory-store.ts';
import { RedisStore } from '../src/limits/redis-store.ts';
import type { AcquireRequest, CounterStore, RateCheck, Reservation } from '../src/limits/types.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { cpuMs } from './lib/proc.ts';

const AGENTS = 100;
const IN_FLIGHT = 256;
const RUN_MS = 2_000;
const T0 = Date.parse('2026-06-10T12:00:00Z');

const rates: RateCheck[] = [
  { id: 'agent', limit: 1_000_000, periodMs: 60_000, text: '1000000/min' },
  { id: 'llm/openai', limit: 1_000_000, periodMs: 60_000, text: '1000000/min' },
];

function requestOf(i: number): AcquireRequest {
  const agentId = `agent-${i % AGENTS}`;
  const team = `team-${i % 10}`;
  const budgets: CompiledBudget[] = [
    { id: 'daily', owner: agentId, limitUsd: 1_000_000, per: 'day', tz: 'UTC' },
    { id: 'monthly', owner: `team:${team}`, limitUsd: 1_000_000, per: 'month', tz: 'Europe/Berlin' },
  ];
  // The clock advances 1 ms per request, so rate logs are trimmed as they would be live.
  return { agentId, team, rates, budgets, estimateNano: 2_000_000, now: T0 + i, reservationTtlMs: 60_000 };
}

async function once(store: CounterStore, i: number): Promise<void> {
  const result = await store.acquire(requestOf(i));
  if (!result.ok || result.reservation === null) throw new Error(`bench request ${i} refused`);
  await store.settle(result.reservation, 1_000_000, T0 + i);
}

interface Figures {
  readonly sequential: number;
  readonly concurrent: number;
  readonly p50: number;
  readonly p99: number;
  /** This process's CPU per op with IN_FLIGHT in flight (the gateway's cost; Redis's own is apart). */
  readonly cpuUsPerOp: number;
}

async function measure(store: CounterStore): Promise<Figures> {
  let i = 0;
  const latencies: number[] = [];
  let start = performance.now();
  while (performance.now() - start < RUN_MS) {
    const began = performance.now();
    await once(store, i++);
    latencies.push(performance.now() - began);
  }
  const sequential = latencies.length / ((performance.now() - start) / 1000);
  latencies.sort((a, b) => a - b);

  let done = 0;
  const cpu = process.cpuUsage();
  start = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() - start < RUN_MS) {
      await once(store, i++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const concurrent = done / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  const cpuUsPerOp = (used.user + used.system) / done;
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { sequential, concurrent, p50: at(0.5), p99: at(0.99), cpuUsPerOp };
}

test('counter store: acquire + settle, memory vs Redis (loopback)', async () => {
  const memory = new MemoryStore();
  const memoryFigures = await measure(memory);
  await memory.close();

  const redis = await startRedis();
  const store = new RedisStore(redis.url);
  try {
    await once(store, -1);
    const redisFigures = await measure(store);
    const stats = new Redis(redis.url);
    const evalsha = /cmdstat_evalsha:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(await stats.info('commandstats'));
    await stats.quit();
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
    const line = (name: string, f: Figures): string =>
      `  ${name.padEnd(8)} ${fmt(f.sequential)} ops/s one at a time (p50 ${f.p50.toFixed(3)} ms, p99 ${f.p99.toFixed(3)} ms)   ${fmt(f.concurrent)} ops/s with ${IN_FLIGHT} in flight, ${f.cpuUsPerOp.toFixed(1)} µs CPU/op`;
    const server = evalsha === null ? 'no EVALSHA stats' : `${evalsha[2]} µs of Redis time per script run (${Number(evalsha[1]).toLocaleString('en-US')} runs; settles ride with acquires)`;
    console.log(['', 'acquire + settle (2 rates, 2 budgets), one op = both calls', line('memory', memoryFigures), line('redis', redisFigures), `  redis    ${server}`, ''].join('\n'));
  } finally {
    await store.close();
    await redis.stop();
  }
}, 60_000);

test('Redis CPU per request as requests share a script call', async () => {
  const redis = await startRedis();
  const store = new RedisStore(redis.url);
  const stats = new Redis(redis.url);
  const itemRate: RateCheck[] = [{ id: 'item', limit: 100_000_000, periodMs: 60_000, text: '100000000/min' }];
  const daily: CompiledBudget[] = [{ id: 'daily', owner: 'bench-agent', limitUsd: 1_000_000, per: 'day', tz: 'UTC' }];
  const lines = ['', 'Redis CPU per request (acquire + riding settle; 1 rate, 1 budget, one agent), by requests per call'];
  try {
    for (const k of [1, 4, 16, 64]) {
      await stats.config('RESETSTAT');
      const cpuBefore = cpuMs(redis.pid);
      const start = performance.now();
      let done = 0;
      let held: Reservation[] = [];
      while (performance.now() - start < RUN_MS) {
        const now = Date.now();
        for (const reservation of held) void store.settle(reservation, 1_000, now);
        const request: AcquireRequest = { agentId: 'bench-agent', team: 'team-0', rates: itemRate, budgets: daily, estimateNano: 1_000, now, reservationTtlMs: 60_000 };
        const results = await Promise.all(Array.from({ length: k }, () => store.acquire(request)));
        held = results.map((r) => (r.ok ? r.reservation : null)).filter((r): r is Reservation => r !== null);
        if (held.length !== k) throw new Error('bench request refused');
        done += k;
      }
      const calls = /cmdstat_evalsha:calls=(\d+)/.exec(await stats.info('commandstats'))?.[1];
      lines.push(`  ${String(k).padStart(3)} per call: ${((cpuMs(redis.pid) - cpuBefore) * 1000 / done).toFixed(1).padStart(6)} µs of Redis CPU per request (${done.toLocaleString('en-US')} requests, ${Number(calls).toLocaleString('en-US')} calls)`);
    }
    console.log([...lines, ''].join('\n'));
  } finally {
    await store.close();
    await stats.quit();
    await redis.stop();
  }
}, 60_000);
