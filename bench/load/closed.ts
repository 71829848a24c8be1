// Closed loop: a fixed number of requests in flight, each connection sending its next request
// as soon as the previous response has been read, for a fixed time.
import { request } from 'undici';
import type { ClientInit, ClosedLoad, LoadFigures } from '../lib/messages.ts';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { dispatcherFor, urlOf } from './dispatchers.ts';

export async function closedLoop(init: ClientInit, load: ClosedLoad): Promise<LoadFigures> {
  const dispatcher = dispatcherFor(init, load.target, load.connections);
  const url = urlOf(load.target);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + load.seconds * 1000;
  await Promise.all(Array.from({ length: load.connections }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      try {
        const res = await request(url, { dispatcher, reset: load.newConnection });
        await res.body.dump({ limit: Infinity });
        if (res.statusCode === 200) latencies.push(performance.now() - t);
        else errors++;
      } catch {
        errors++;
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const sorted = sortedCopy(latencies);
  return { requests: latencies.length, errors, seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}
