// Retry delays for sinks whose destination failed. Exponential growth with "equal jitter" (half
// the delay fixed, half random; AWS Architecture Blog, "Exponential Backoff and Jitter"): many
// gateway replicas retrying one collector spread out, and no wait ever exceeds capMs.
import { setTimeout as delay } from 'node:timers/promises';
import type { Backoff } from './sink.ts';

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Waits ms, or less when the signal aborts; never rejects. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch {
    // Aborted: the sink is closing and stops waiting.
  }
}
