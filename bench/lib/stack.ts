// The processes of one bench run: upstream, floor proxy, gateways, Redis, load client. Each
// proxy gets its own process so its CPU and memory can be read from /proc alone. With `pin`,
// proxies run on CPU 1 and everything else on CPU 0 (taskset execs, so the pid is the node's).
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestPki, type TestPki } from '../../test/helpers/pki.ts';
import { redisAvailable, startRedis, type TestRedis } from '../../test/helpers/redis.ts';
import { benchGatewayYaml } from './gateway-config.ts';
import type { Answer, ClientInit, Command, Figures } from './messages.ts';
import { firstMatch } from './proc.ts';
import { API_HOST, BENCH_AGENT, TUNNEL_HOST } from './shape.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ProxyProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** The Redis server behind it, whose CPU per request is reported beside the gateway's. */
  readonly storePid?: number;
}

export interface LoadClient {
  send(command: Command | ClientInit): Promise<Figures | null>;
}

export interface Stack {
  readonly pki: TestPki;
  readonly upstream: { readonly https: number; readonly http: number };
  readonly floor: ProxyProcess;
  readonly gateway: ProxyProcess;
  /** The same gateway config run from another checkout (`--base DIR`), for same-run A/B; or null. */
  readonly gatewayBase: ProxyProcess | null;
  /** Case 2: Redis store, rate and budget on the rule; null when not requested or no redis-server. */
  readonly gatewayRedis: ProxyProcess | null;
  /** Case 2's rate and budget on the in-memory store: what the limits cost without Redis; null without case 2. */
  readonly gatewayLimits: ProxyProcess | null;
  /** Case 2 from the `--base` checkout, on the same Redis server; or null. */
  readonly gatewayRedisBase: ProxyProcess | null;
  readonly client: LoadClient;
  /** Kept after the run: each process's stderr. */
  readonly logDir: string;
  /** Empties the gateways' audit files (appended with O_APPEND, so they carry on at 0). */
  trimAudit(): void;
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly pin: boolean;
  readonly withRedis: boolean;
  readonly profileDir: string | null;
  readonly proxyNodeArgs: readonly string[];
  /** A checkout (with its node_modules) whose gateway runs beside this one; null: none. */
  readonly baseDir: string | null;
}

function launch(name: string, args: string[], cpu: string | null, logDir: string): ChildProcess {
  const command = cpu === null ? process.execPath : 'taskset';
  const argv = cpu === null ? args : ['-c', cpu, process.execPath, ...args];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  // Both streams drained into the log: a child blocked on a full pipe would stall the bench.
  const log = createWriteStream(join(logDir, `${name}.log`));
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log);
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(hard); resolve(); });
    child.kill('SIGTERM');
  });
}

function loadClient(cpu: string | null): { child: ChildProcess; client: LoadClient } {
  const modulePath = join(root, 'bench/load-client.ts');
  const child = cpu === null
    ? fork(modulePath, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : fork(modulePath, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execPath: 'taskset', execArgv: ['-c', cpu, process.execPath] });
  let pending: ((answer: Answer) => void) | null = null;
  const answer = (a: Answer): void => {
    const resolve = pending;
    pending = null;
    resolve?.(a);
  };
  child.on('message', answer);
  // A crashed client must fail the load it was running, not leave the run waiting.
  child.once('exit', (code) => answer({ ok: false, error: `exited with ${code}` }));
  const send = (message: Command | ClientInit): Promise<Figures | null> => new Promise((resolve, reject) => {
    if (pending !== null) {
      reject(new Error('one load at a time'));
      return;
    }
    pending = (answer) => (answer.ok ? resolve(answer.figures) : reject(new Error(`load client: ${answer.error}`)));
    child.send(message);
  });
  return { child, client: { send } };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const pki = await makeTestPki({ upstreamHosts: [API_HOST, TUNNEL_HOST, 'localhost', '127.0.0.1'] });
  const logDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-logs-'));
  const auditFiles: string[] = [];
  const helperCpu = options.pin ? '0' : null;
  const proxyCpu = options.pin ? '1' : null;
  const children: ChildProcess[] = [];
  let redis: TestRedis | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    await redis?.stop();
    await pki.cleanup();
  };
  try {
    const up = launch('upstream', ['bench/upstream-server.ts', pki.upstream.certFile, pki.upstream.keyFile], helperCpu, logDir);
    children.push(up);
    const upstream = JSON.parse((await firstMatch(up, 'stdout', /(\{.*\})\n/))[1] as string) as Stack['upstream'];

    const floorFiles = join(pki.dir, 'floor.json');
    writeFileSync(floorFiles, JSON.stringify({
      cert: pki.proxy.certFile, key: pki.proxy.keyFile, clientCa: pki.agentCa.certFile,
      interceptionCert: pki.interceptionCa.certFile, interceptionKey: pki.interceptionCa.keyFile, upstreamCa: pki.upstreamCa.certFile,
    }));
    const nodeArgs = (name: string): string[] => [...options.proxyNodeArgs, ...(options.profileDir === null ? []
      : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${name}.cpuprofile`])];
    const floorChild = launch('floor', [...nodeArgs('floor'), 'bench/floor-proxy.ts', floorFiles], proxyCpu, logDir);
    children.push(floorChild);
    const floor = { name: 'floor', pid: floorChild.pid!, port: Number((await firstMatch(floorChild, 'stdout', /"port":(\d+)/))[1]) };

    const startGateway = async (name: string, storeUrl: string | null, limited: boolean, tree = root): Promise<ProxyProcess> => {
      // Its own directory: the gateway watches its config's directory for changes, and the
      // audit file next to it would wake that watcher on every write.
      const dir = join(pki.dir, name);
      mkdirSync(dir);
      const configFile = join(dir, 'portcullis.yaml');
      const auditFile = join(pki.dir, `${name}-audit.jsonl`);
      auditFiles.push(auditFile);
      writeFileSync(configFile, benchGatewayYaml({ pki, httpsPort: upstream.https, httpPort: upstream.http, auditFile, storeUrl, limited }));
      const child = launch(name, [...nodeArgs(name), join(tree, 'bin/portcullis.js'), 'start', '-c', configFile], proxyCpu, logDir);
      children.push(child);
      const port = Number((await firstMatch(child, 'stderr', /"port":(\d+),[^\n]*"msg":"proxy listening"/))[1]);
      return { name, pid: child.pid!, port };
    };
    const gateway = await startGateway('gateway', null, false);
    const gatewayBase = options.baseDir === null ? null : await startGateway('gateway-base', null, false, options.baseDir);
    let gatewayRedis: ProxyProcess | null = null;
    let gatewayRedisBase: ProxyProcess | null = null;
    const gatewayLimits = options.withRedis ? await startGateway('gateway-limits', null, true) : null;
    if (options.withRedis && redisAvailable) {
      redis = await startRedis();
      // Pinned layout: Redis shares the helpers' core, so the gateway keeps CPU 1 to itself.
      if (helperCpu !== null) execFileSync('taskset', ['-cp', helperCpu, String(redis.pid)], { stdio: 'ignore' });
      gatewayRedis = { ...await startGateway('gateway-redis', redis.url, true), storePid: redis.pid };
      if (options.baseDir !== null) gatewayRedisBase = { ...await startGateway('gateway-redis-base', redis.url, true, options.baseDir), storePid: redis.pid };
    }

    const { child, client } = loadClient(helperCpu);
    children.push(child);
    const agent = pki.agents[BENCH_AGENT]!;
    const init: ClientInit = {
      kind: 'init', agentCert: agent.cert, agentKey: agent.key, interceptionCa: pki.interceptionCa.cert, upstreamCa: pki.upstreamCa.cert,
    };
    await client.send(init);
    const trimAudit = (): void => { for (const file of auditFiles) truncateSync(file, 0); };
    return { pki, upstream, floor, gateway, gatewayBase, gatewayRedis, gatewayLimits, gatewayRedisBase, client, logDir, trimAudit, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
