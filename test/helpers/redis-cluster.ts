// A private three-node Redis Cluster (masters only) on loopback, for the counter store's Cluster
// path: scripts may only touch keys of one slot, so the store groups calls by hash tag. Slots are
// assigned and the nodes introduced with CLUSTER ADDSLOTSRANGE / MEET (no redis-cli needed).
// Needs redis-server ≥ 7 (ADDSLOTSRANGE); skipped with the other Redis suites without it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const BINARY = process.env['REDIS_SERVER'] ?? 'redis-server';
const READY_TIMEOUT_MS = 15_000;
const SLOTS = 16_384;

export interface TestRedisCluster {
  /** `redis+cluster://` seed URL naming every node. */
  readonly url: string;
  readonly ports: readonly number[];
  /** FLUSHALL on every node. */
  flush(): Promise<void>;
  /** Script runs (EVAL + EVALSHA) on every node since the last `resetStats`, per node. */
  scriptRuns(): Promise<number[]>;
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (+10,000) is free as well. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await listens(port)) && (await listens(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedisCluster(nodes = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-cluster-'));
  const children: ChildProcess[] = [];
  const admins: Redis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(admins.map((admin) => admin.quit().catch(() => admin.disconnect())));
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => { for (const child of children) child.kill('SIGKILL'); });
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < nodes; i++) ports.push(await clusterPort(taken));
    for (const port of ports) {
      children.push(spawn(BINARY, [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000',
      ], { stdio: 'ignore' }));
      const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
      // Refused connections while the node starts are expected; `until` retries them.
      admin.on('error', () => {});
      admins.push(admin);
    }
    await Promise.all(admins.map((admin) => until('a node answered', async () => {
      if (admin.status !== 'ready') await admin.connect().catch(() => {});
      return (await admin.ping()) === 'PONG';
    })));
    const per = Math.ceil(SLOTS / nodes);
    await Promise.all(admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(SLOTS, (i + 1) * per) - 1))));
    for (const port of ports.slice(1)) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(port));
    await Promise.all(admins.map((admin) => until('every node saw the cluster ok', async () =>
      String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'))));
    return {
      url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
      ports,
      flush: async () => {
        await Promise.all(admins.map((admin) => admin.flushall()));
      },
      scriptRuns: async () => Promise.all(admins.map(async (admin) =>
        [...(await admin.info('commandstats')).matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0))),
      resetStats: async () => {
        await Promise.all(admins.map((admin) => admin.config('RESETSTAT')));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
