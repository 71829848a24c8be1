// A private Sentinel deployment on loopback: a redis-server master and a replica (redis.ts) and
// one Sentinel (redis-server in sentinel mode, quorum 1) watching them as `portcullis`: a
// `redis+sentinel://` store.url finds its master through it, and `failover()` promotes the replica.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, freePort, startRedis, type TestRedis } from './redis.ts';

const BINARY = process.env['REDIS_SERVER'] ?? 'redis-server';
const READY_TIMEOUT_MS = 10_000;
const MASTER_NAME = 'portcullis';

export interface TestRedisSentinel {
  /** `redis+sentinel://` URL naming the Sentinel and the master. */
  readonly url: string;
  /** The master at start (flush, kill). */
  readonly master: TestRedis;
  /** Its replica, the master after `failover()`. */
  readonly replica: TestRedis;
  /** SENTINEL FAILOVER; resolves once the Sentinel names the replica as master. */
  failover(): Promise<void>;
  stop(): Promise<void>;
}

/** True once the Sentinel names `masterPort` as the master. */
async function namesMaster(port: number, masterPort: number): Promise<boolean> {
  return (await ask(port, `SENTINEL get-master-addr-by-name ${MASTER_NAME}`))?.includes(`\r\n${masterPort}\r\n`) ?? false;
}

/** True once the Sentinel has reached the replica and seen it in sync (a failover needs one). */
async function knowsReplica(port: number, replicaPort: number): Promise<boolean> {
  const reply = await ask(port, `SENTINEL replicas ${MASTER_NAME}`);
  return reply !== null && reply.includes(`127.0.0.1:${replicaPort}`) && reply.includes('\r\nslave\r\n')
    && reply.includes('master-link-status\r\n$2\r\nok') && !reply.includes('disconnected');
}

async function until(what: string, check: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check())) {
    if (child.exitCode !== null) throw new Error(`redis sentinel exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`redis sentinel: ${what} within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const master = await startRedis();
  const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  // Sentinel learns of replicas from the master's INFO, read at start and then every 10 s.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ask(replica.port, 'INFO replication'))?.includes('master_link_status:up')) {
    if (Date.now() > deadline) throw new Error('the replica did not sync with its master');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-sentinel-'));
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc !== null && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    }
    await replica.stop();
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    // Sentinel rewrites its config file: it must be its own, writable.
    const config = join(dir, 'sentinel.conf');
    writeFileSync(config, [
      `port ${port}`, 'bind 127.0.0.1', `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`, `sentinel failover-timeout ${MASTER_NAME} 5000`, '',
    ].join('\n'));
    const sentinel = spawn(BINARY, [config, '--sentinel'], { stdio: 'ignore' });
    child = sentinel;
    process.once('exit', () => sentinel.kill('SIGKILL'));
    await until('named its master', () => namesMaster(port, master.port), sentinel);
    await until('found the replica', () => knowsReplica(port, replica.port), sentinel);
    return {
      url: `redis+sentinel://127.0.0.1:${port}/${MASTER_NAME}`,
      master,
      replica,
      failover: async () => {
        const reply = await ask(port, `SENTINEL FAILOVER ${MASTER_NAME}`);
        if (!reply?.startsWith('+OK')) throw new Error(`SENTINEL FAILOVER answered ${reply?.trim() ?? 'nothing'}`);
        await until('promoted the replica', () => namesMaster(port, replica.port), sentinel);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
