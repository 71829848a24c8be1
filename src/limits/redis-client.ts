// `store.url` → an ioredis client configured to fail fast (SPEC §5: a store outage is answered
// 503 within 2 s; traffic recovers within 5 s of the store coming back).
//
// URL forms:
//   redis://[[user]:password@]host[:port][/db]              standalone (rediss:// for TLS)
//   redis+sentinel://[[user]:password@]h1:26379,h2:26379/MASTER[/db]   Sentinel (rediss+sentinel:// for TLS)
//   redis+cluster://[[user]:password@]h1:6379,h2:6379        Cluster seed nodes (rediss+cluster:// for TLS)
// `{ cluster: true }` also reads a plain redis:// URL as a cluster seed node.
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface RedisClientOptions {
  /** Read a plain redis:// URL as a Cluster seed node. */
  readonly cluster?: boolean;
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

interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type StoreTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'sentinel' | 'cluster';
      readonly nodes: readonly HostPort[];
      readonly name: string | null;
      readonly db: number;
      readonly username: string | null;
      readonly password: string | null;
      readonly tls: boolean;
    };

const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
const MULTI_HOST_URL = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/([^?#]*))?$/;

function hostPorts(list: string, defaultPort: number): HostPort[] {
  return list.split(',').map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
    if (!m) throw new Error(`invalid store host '${entry}'`);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: m[2] === undefined ? defaultPort : Number(m[2]) };
  });
}

function parseDb(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) throw new Error(`invalid store database '${text}'`);
  return Number(text);
}

/** Which kind of deployment a `store.url` names, and where. Throws on a malformed URL. */
export function parseStoreUrl(url: string, options: RedisClientOptions = {}): StoreTarget {
  const m = MULTI_HOST_URL.exec(url);
  if (m === null) {
    if (!/^rediss?:\/\//.test(url)) throw new Error(`unsupported store URL '${url}' (use redis://, rediss://, redis+sentinel:// or redis+cluster://)`);
    if (!options.cluster) return { kind: 'standalone', url };
    const parsed = new URL(url);
    return {
      kind: 'cluster',
      nodes: [{ host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port === '' ? 6379 : Number(parsed.port) }],
      name: null,
      db: 0,
      username: parsed.username === '' ? null : decodeURIComponent(parsed.username),
      password: parsed.password === '' ? null : decodeURIComponent(parsed.password),
      tls: parsed.protocol === 'rediss:',
    };
  }
  const [, scheme, kind, userinfo, hosts, path] = m as unknown as [string, string, 'sentinel' | 'cluster', string | undefined, string, string | undefined];
  const colon = userinfo?.indexOf(':') ?? -1;
  const username = userinfo === undefined ? '' : decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = userinfo === undefined || colon < 0 ? null : decodeURIComponent(userinfo.slice(colon + 1));
  const segments = (path ?? '').split('/').filter((s) => s !== '');
  if (kind === 'sentinel' && segments.length === 0) throw new Error(`store URL '${url}' names no Sentinel master (redis+sentinel://host:26379/MASTER)`);
  if (kind === 'cluster' && segments.length > 0) throw new Error(`store URL '${url}': Redis Cluster has no databases`);
  return {
    kind,
    nodes: hostPorts(hosts, kind === 'sentinel' ? 26379 : 6379),
    name: kind === 'sentinel' ? decodeURIComponent(segments[0] as string) : null,
    db: parseDb(segments[1]),
    username: username === '' ? null : username,
    password,
    tls: scheme === 'rediss',
  };
}

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
