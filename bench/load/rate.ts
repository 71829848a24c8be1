// Open loop at a fixed offered rate: request i is due at start + i/rate whether or not earlier
// ones have finished, and its latency counts from that due time, so a stall shows in the
// percentiles instead of silently lowering the rate (no coordinated omission).
import { request } from 'undici';
import type { ClientInit, LoadFigures, RateLoad } from '../lib/messages.ts';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { dispatcherFor, urlOf } from './dispatchers.ts';

export function openLoop(init: ClientInit, load: RateLoad): Promise<LoadFigures> {
  const dispatcher = dispatcherFor(init, load.target, load.connections);
  const url = urlOf(load.target);
  const gap = 1000 / load.rate;
  const total = Math.floor(load.rate * load.seconds);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const start = performance.now() + 5;
  if (total === 0) return Promise.resolve({ requests: 0, errors: 0, seconds: 0, p50: Number.NaN, p99: Number.NaN });
  return new Promise((resolve) => {
    const done = (): void => {
      const sorted = sortedCopy(latencies);
      resolve({
        requests: latencies.length, errors, seconds: (performance.now() - start) / 1000,
        p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99),
      });
    };
    const fire = (due: number): void => {
      request(url, { dispatcher }).then(async (res) => {
        await res.body.dump({ limit: Infinity });
        if (res.statusCode === 200) latencies.push(performance.now() - due);
        else errors++;
      }, () => { errors++; }).finally(() => {
        if (++settled === total) done();
      });
    };
    // Timers fire about once a millisecond: each tick sends everything that has come due.
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + sent * gap <= now) fire(start + sent++ * gap);
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
}
