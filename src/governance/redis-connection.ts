// Governance's connections to the store named by `store.url`, in any form the counter store
// accepts (standalone, Sentinel, Cluster: limits/redis-client.ts). Bounded failure as for the
// counter store: a command either answers within a second or fails, and nothing queues while
// disconnected, so a dead Redis costs the request path one fast error, never a hang.
import type { ChainableCommander } from 'ioredis';
import { createRedisClient, type RedisClient } from '../limits/redis-client.ts';

export const COMMAND_TIMEOUT_MS = 1_000;

export function commandClient(url: string): RedisClient {
  return createRedisClient(url, { commandTimeoutMs: COMMAND_TIMEOUT_MS, retriesPerRequest: 1, lazyConnect: true });
}

/**
 * The pub/sub connection only carries hints (the poll is the guarantee), so it may queue its
 * SUBSCRIBE until Redis is back; ioredis re-subscribes after every reconnect.
 */
export function subscriberClient(url: string): RedisClient {
  return createRedisClient(url, { commandTimeoutMs: COMMAND_TIMEOUT_MS, offlineQueue: true, retriesPerRequest: null });
}

/** EXEC, failing when the transaction or any of its commands did. */
export async function execAll(tx: ChainableCommander): Promise<void> {
  const replies = await tx.exec();
  if (replies === null) throw new Error('transaction aborted');
  const failed = replies.find(([err]) => err !== null);
  if (failed !== undefined) throw failed[0];
}
