// A private Sentinel deployment on loopback: one redis-server master (redis.ts) and one Sentinel
// (redis-server in sentinel mode, quorum 1) watching it as `portcullis`. Enough to show that a
// `redis+sentinel://` store.url finds its master through Sentinel; failover is Sentinel's own.
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
  /** The master itself (flush, kill). */
  readonly master: TestRedis;
  stop(): Promise<void>;
}

/** True once the Sentinel names the master we started. */
async function knowsMaster(port: number, masterPort: number): Promise<boolean> {
  return (await ask(port, `SENTINEL get-master-addr-by-name ${MASTER_NAME}`))?.includes(`\r\n${masterPort}\r\n`) ?? false;
}

export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const master = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-sentinel-'));
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc !== null && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    }
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    // Sentinel rewrites its config file: it must be its own, writable.
    const config = join(dir, 'sentinel.conf');
    writeFileSync(config, `port ${port}\nbind 127.0.0.1\nsentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1\n`);
    child = spawn(BINARY, [config, '--sentinel'], { stdio: 'ignore' });
    process.once('exit', () => child?.kill('SIGKILL'));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await knowsMaster(port, master.port))) {
      if (child.exitCode !== null) throw new Error(`redis sentinel exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`redis sentinel did not name its master within ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { url: `redis+sentinel://127.0.0.1:${port}/${MASTER_NAME}`, master, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
