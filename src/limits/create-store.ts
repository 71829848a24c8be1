// `store.url` → the counter store (SPEC §4 `store`, §9): omitted → in memory (one replica),
// else Redis in one of the URL forms redis-client.ts documents.
import { MemoryStore } from './memory-store.ts';
import { RedisStore, type RedisStoreOptions } from './redis-store.ts';
import type { CounterStore } from './types.ts';

export type CounterStoreOptions = RedisStoreOptions;

export function createCounterStore(url: string | null, options: CounterStoreOptions = {}): CounterStore {
  return url === null ? new MemoryStore() : new RedisStore(url, options);
}
