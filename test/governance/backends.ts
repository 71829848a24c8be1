// The two governance backends as "two replicas": Redis gives two RedisGovernance instances on
// one redis-server (each with its own connections, as two pods would have); memory has one
// replica, so both names point at the same instance and the suite checks the same semantics.
import pino, { type Logger } from 'pino';
import { MemoryGovernance } from '../../src/governance/memory-governance.ts';
import { RedisGovernance } from '../../src/governance/redis-governance.ts';
import type { ApprovalRequest, Governance } from '../../src/governance/types.ts';
import { redisAvailable, startRedis } from '../helpers/redis.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { startRedisSentinel } from '../helpers/redis-sentinel.ts';

export const silent: Logger = pino({ level: 'silent' });

export interface Replicas {
  readonly a: Governance;
  readonly b: Governance;
  close(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly available: boolean;
  /** Starts what the backend runs on; `url` is the store URL its replicas connect to (null: none). */
  start(): Promise<{ readonly url: string | null; stop(): Promise<void> }>;
  replicas(url: string | null): Promise<Replicas>;
}

let prefixes = 0;

/** Two RedisGovernance instances on one store URL, each with its own connections. */
async function redisReplicas(url: string | null): Promise<Replicas> {
  if (url === null) throw new Error('a redis backend needs a store URL');
  // A prefix per test keeps tests apart without flushing under a live poll.
  const prefix = `t${process.pid}-${++prefixes}`;
  const a = await RedisGovernance.connect(url, { log: silent, prefix });
  const b = await RedisGovernance.connect(url, { log: silent, prefix });
  return {
    a,
    b,
    async close() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'memory',
    available: true,
    start: async () => ({ url: null, stop: async () => {} }),
    async replicas() {
      const g = new MemoryGovernance({ log: silent });
      return { a: g, b: g, close: () => g.close() };
    },
  },
  {
    name: 'redis',
    available: redisAvailable,
    async start() {
      const redis = await startRedis();
      return { url: redis.url, stop: () => redis.stop() };
    },
    replicas: redisReplicas,
  },
  {
    name: 'redis sentinel',
    available: redisAvailable,
    async start() {
      const sentinel = await startRedisSentinel();
      return { url: sentinel.url, stop: () => sentinel.stop() };
    },
    replicas: redisReplicas,
  },
  {
    // store.url may name a Cluster (SPEC §9): approvals share one hash tag, switches are one key each.
    name: 'redis cluster',
    available: redisAvailable,
    async start() {
      const cluster = await startRedisCluster();
      return { url: cluster.url, stop: () => cluster.stop() };
    },
    replicas: redisReplicas,
  },
];

export function approvalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    agent: 'finance-auditor',
    rule: 'github-read/open-pr',
    method: 'POST',
    url: 'https://api.github.com/repos/acme/infra/pulls?token=s3cret&draft=1',
    bodyBytes: 17,
    bodySha256: 'sha256:5e3c8c1f4f1ab0c4b1e4a4cbd4b6a1f0f4b8e7a7b1c2d3e4f5a6b7c8d9e0f1a2',
    timeoutMs: 10_000,
    ...overrides,
  };
}

/** Polls `read` until it returns true; resolves with the elapsed ms, or rejects after `limitMs`. */
export async function within(limitMs: number, read: () => boolean | Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (!(await read())) {
    if (performance.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - start;
}

/** The id of the pending approval that `g` lists for this body hash, once it appears. */
export async function pendingId(g: Governance, bodySha256 = approvalRequest().bodySha256): Promise<string> {
  let id: string | undefined;
  await within(1_000, async () => {
    id = (await g.approvals('pending')).find((approval) => approval.bodySha256 === bodySha256)?.id;
    return id !== undefined;
  });
  return id as string;
}
