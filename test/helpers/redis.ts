// A private redis-server per test file: a free loopback port, no persistence, killed (SIGKILL,
// like a crashed store) and restarted on the same port on demand.
//
// Without redis-server installed, Redis suites are skipped with a loud warning on a developer
// machine, but under CI=true that is a failure: CI must never silently skip the store tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env['REDIS_SERVER'] ?? 'redis-server';
const START_TIMEOUT_MS = 5_000;

function installed(): boolean {
  return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** True when redis-server can run here; warns (or, under CI, throws) when it cannot. */
export const redisAvailable: boolean = (() => {
  if (installed()) return true;
  const message = `${BINARY} is not installed: the Redis counter-store tests cannot run`;
  if (process.env['CI'] === 'true') throw new Error(`${message} (CI=true requires them)`);
  console.warn(`\n!!!!!!!!\n!!! ${message}; SKIPPING them. Install redis-server to run them.\n!!!!!!!!\n`);
  return false;
})();

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One inline command on a fresh connection; the first reply chunk, or null when none came within 500 ms. */
export function ask(port: number, command: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (reply: string | null): void => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(500, () => done(null));
    socket.once('error', () => done(null));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => done(data.toString('latin1')));
  });
}

async function ping(port: number): Promise<boolean> {
  return (await ask(port, 'PING'))?.startsWith('+PONG') ?? false;
}

export interface TestRedis {
  readonly port: number;
  /** The current process (changes on restart); for SIGSTOP/SIGCONT. */
  readonly pid: number;
  readonly url: string;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  /** FLUSHALL through a fresh connection. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** `args`: more redis-server options, e.g. `['--replicaof', '127.0.0.1', PORT]`. */
export async function startRedis(args: readonly string[] = []): Promise<TestRedis> {
  const port = await freePort();
  // Its working directory: a replica writes the RDB it receives from its master there.
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-'));
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args], {
      stdio: 'ignore',
    });
    child = proc;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await ping(port))) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} on port ${port}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };

  // A test run that dies early must not leave a redis-server behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return {
    port,
    get pid() {
      const pid = child?.pid;
      if (pid === undefined) throw new Error('redis-server is not running');
      return pid;
    },
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    flush: async () => {
      const reply = await ask(port, 'FLUSHALL');
      if (!reply?.startsWith('+OK')) throw new Error(`FLUSHALL answered ${reply?.trim() ?? 'nothing'}`);
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
