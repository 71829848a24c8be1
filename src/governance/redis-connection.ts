// ioredis options for bounded failure, the same as the counter store's: a command either
// answers within a second or fails, and nothing queues while disconnected, so a dead Redis
// costs the request path one fast error, never a hang.
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';

export const COMMAND_TIMEOUT_MS = 1_000;

const BOUNDED: RedisOptions = {
  enableOfflineQueue: false,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: COMMAND_TIMEOUT_MS,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
  retryStrategy: (times: number) => Math.min(times * 100, 1_000),
};

export function commandClient(url: string): Redis {
  return new Redis(url, BOUNDED);
}

/**
 * The pub/sub connection only carries hints (the poll is the guarantee), so it may queue its
 * SUBSCRIBE until Redis is back; ioredis re-subscribes after every reconnect.
 */
export function subscriberClient(url: string): Redis {
  return new Redis(url, { ...BOUNDED, enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
}

/** EXEC, failing when the transaction or any of its commands did. */
export async function execAll(tx: ChainableCommander): Promise<void> {
  const replies = await tx.exec();
  if (replies === null) throw new Error('transaction aborted');
  const failed = replies.find(([err]) => err !== null);
  if (failed !== undefined) throw failed[0];
}
