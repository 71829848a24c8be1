import { describe, expect, it } from 'vitest';
import { createCounterStore } from './create-store.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';
import { StoreUnavailableError } from './types.ts';

describe('createCounterStore', () => {
  it('is in memory without a URL', async () => {
    const store = createCounterStore(null);
    expect(store).toBeInstanceOf(MemoryStore);
    expect(store.healthy).toBe(true);
    await store.close();
  });

  it('is Redis with a URL, and unhealthy, failing fast, while nothing listens there', async () => {
    // Port 1 on loopback: connection refused at once.
    const store = createCounterStore('redis://127.0.0.1:1', { deadlineMs: 300 });
    expect(store).toBeInstanceOf(RedisStore);
    expect(store.healthy).toBe(false);
    const started = performance.now();
    await expect(store.budgetStates('a', null, [{ id: 'd', owner: 'a', limitUsd: 1, per: 'day', tz: 'UTC' }], Date.now())).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    await store.close();
  });
});
