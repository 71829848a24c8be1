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
// Run: npx vitest bench --run bench/limits.bench.ts   (needs redis-server on PATH)
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { test } from 'vitest';
import type { CompiledBudget } from '../src/config/compiled.ts';
import { MemoryStore } from '../src/limits/memory-store.ts';
import { RedisStore } from '../src/limits/redis-store.ts';
import type { AcquireRequest, CounterStore, RateCheck } from '../src/limits/types.ts';
import { startRedis } from '../test/helpers/redis.ts';

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
