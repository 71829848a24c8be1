// `store.url` → an ioredis client configured to fail fast (SPEC §5: a store outage is answered
// 503 within 2 s; traffic recovers within 5 s of the store coming back). The URL forms:
// store-url.ts.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseStoreUrl, type StoreUrlOptions } from './store-url.ts';

export interface RedisClientOptions extends StoreUrlOptions {
  /** Per-command deadline; a miss becomes `store_unavailable`. Default 1,000 ms. */
  readonly commandTimeoutMs?: number;
  /** Queue commands while disconnected instead of failing them at once. Default false. */
  readonly offlineQueue?: boolean;
  /** How often a command cut off by a lost connection is sent again; null: until it is answered. Default 0. */
  readonly retriesPerRequest?: number | null;
  /** Connect on `connect()` or the first command, not at once. Default false. */
  readonly lazyConnect?: boolean;
}

export type RedisClient = Redis | Cluster;

const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;

/**
 * Bounded failure by default: no offline queue (a command while disconnected fails at once
 * instead of waiting), no retries and no re-sending of commands in flight when the connection
 * drops (an acquire that may already have committed must not run twice), a 1 s command
 * deadline, and reconnection forever at most 500 ms apart so traffic resumes soon after the
 * store returns. Governance's pub/sub connection asks for a queue and retries instead.
 */
function perConnection(timeoutMs: number, options: RedisClientOptions) {
  const retries = options.retriesPerRequest === undefined ? 0 : options.retriesPerRequest;
  return {
    maxRetriesPerRequest: retries,
    // A command is sent again only when the caller asked for retries.
    autoResendUnfulfilledCommands: retries !== 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  } satisfies RedisOptions;
}

const reconnect = (attempt: number): number => Math.min(50 * attempt, 500);

export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  const target = parseStoreUrl(url, options);
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const connection = perConnection(timeoutMs, options);
  const client = { enableOfflineQueue: options.offlineQueue ?? false, lazyConnect: options.lazyConnect ?? false };
  if (target.kind === 'standalone') return new Redis(url, { ...connection, ...client, retryStrategy: reconnect });
  const auth = {
    ...(target.username === null ? {} : { username: target.username }),
    ...(target.password === null ? {} : { password: target.password }),
    ...(target.tls ? { tls: {} } : {}),
  } satisfies RedisOptions;
  if (target.kind === 'sentinel') {
    return new Redis({
      ...connection,
      ...auth,
      ...client,
      retryStrategy: reconnect,
      sentinels: target.nodes.map((n) => ({ host: n.host, port: n.port })),
      name: target.name as string,
      db: target.db,
      // Follow Sentinel's +switch-master at once: without it the client kept writing to the old
      // master until Sentinel demoted it (~11 s in test), and counters written there were lost
      // when it resynced from the new one.
      failoverDetector: true,
      ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    });
  }
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      ...client,
      clusterRetryStrategy: reconnect,
      slotsRefreshTimeout: timeoutMs,
      redisOptions: { ...connection, ...auth },
    },
  );
}
