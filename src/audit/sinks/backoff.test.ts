import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from './backoff.ts';

describe('backoffDelay', () => {
  const backoff = { baseMs: 100, capMs: 1_000 };

  it('doubles per attempt up to the cap, jitter within the upper half', () => {
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a, backoff, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a, backoff, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('never exceeds the cap with real randomness', () => {
    for (let a = 1; a < 100; a++) {
      const d = backoffDelay(a, backoff);
      expect(d).toBeGreaterThanOrEqual(Math.min(1_000, 100 * 2 ** (a - 1)) / 2);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('sleep', () => {
  it('returns early, without throwing, when aborted', async () => {
    const abort = new AbortController();
    const started = performance.now();
    setTimeout(() => abort.abort(), 10);
    await sleep(5_000, abort.signal);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
