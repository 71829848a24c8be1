// Intercepted keep-alive HTTPS GET through Portcullis vs the same GET direct, in one run:
// upstream, gateway and load client in three processes; alternating rounds; medians.
// autocannon cannot CONNECT or present a proxy client certificate, so the load client is
// undici (the same client, with and without ProxyAgent), at fixed concurrency, bounded in time.
//   node bench/proxy-vs-direct.ts [--seconds 5] [--rounds 3] [--connections 32]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { baseConfig } from '../test/helpers/gateway.ts';
import { makeTestPki } from '../test/helpers/pki.ts';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' },
} });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const root = fileURLToPath(new URL('..', import.meta.url));

function firstLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream]!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = pattern.exec(text);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${text}`)));
  });
}

/** User + system CPU ms of a process, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface RoundResult { rps: number; p50: number; p99: number; cpuUsPerReq: number | null }

async function load(url: string, dispatcher: Dispatcher, cpuPid: number | null): Promise<RoundResult> {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  const cpuBefore = cpuPid === null ? 0 : cpuMs(cpuPid);
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await request(url, { dispatcher });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const cpu = cpuPid === null ? null : ((cpuMs(cpuPid) - cpuBefore) * 1000) / latencies.length;
  return {
    rps: latencies.length / elapsed,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
    cpuUsPerReq: cpu,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pki = await makeTestPki({ upstreamHosts: ['api.bench.test', 'localhost', '127.0.0.1'] });
const upstream = spawn(process.execPath, [join(root, 'bench/upstream-server.ts'), pki.upstream.certFile, pki.upstream.keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
const upPort = Number((await firstLine(upstream, 'stdout', /([0-9]+)\n/))[1]);
const configFile = join(pki.dir, 'bench.yaml');
writeFileSync(configFile, baseConfig(pki, {
  network: '',
  body: `
policies:
  bench:
    rules:
      - { id: get, host: "api.bench.test:${upPort}", methods: [GET], paths: ["/**"] }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [bench]
`,
}, join(pki.dir, 'bench-audit.jsonl')).replace('    api.openai.test: 127.0.0.1', '    api.bench.test: 127.0.0.1\n    api.openai.test: 127.0.0.1'));
// PORTCULLIS_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the gateway process.
const nodeArgs = (process.env['PORTCULLIS_BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const gateway = spawn(process.execPath, [...nodeArgs, join(root, 'bin/portcullis.js'), 'start', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
const gwPort = Number((await firstLine(gateway, 'stderr', /"port":([0-9]+)/))[1]);

const pair = pki.agents['finance-auditor']!;
const direct = new Agent({ connect: { ca: pki.upstreamCa.cert, servername: 'api.bench.test' }, connections: CONNECTIONS });
const proxied = new ProxyAgent({
  uri: `https://127.0.0.1:${gwPort}`,
  proxyTls: { ca: pki.interceptionCa.cert, cert: pair.cert, key: pair.key, servername: 'localhost' },
  requestTls: { ca: pki.interceptionCa.cert, servername: 'api.bench.test' },
  connections: CONNECTIONS,
});
const directUrl = `https://127.0.0.1:${upPort}/item`;
const proxiedUrl = `https://api.bench.test:${upPort}/item`;

const results = { direct: [] as RoundResult[], proxied: [] as RoundResult[] };
try {
  await load(directUrl, direct, null);
  await load(proxiedUrl, proxied, gateway.pid!);
  for (let round = 0; round < ROUNDS; round++) {
    results.direct.push(await load(directUrl, direct, null));
    results.proxied.push(await load(proxiedUrl, proxied, gateway.pid!));
  }
} finally {
  await direct.close();
  await proxied.close();
  gateway.kill('SIGTERM');
  upstream.kill('SIGTERM');
  await pki.cleanup();
}

const summary = (rs: RoundResult[]) => ({
  rps: Math.round(median(rs.map((r) => r.rps))),
  p50_ms: Number(median(rs.map((r) => r.p50)).toFixed(2)),
  p99_ms: Number(median(rs.map((r) => r.p99)).toFixed(2)),
  gateway_cpu_us_per_req: rs[0]!.cpuUsPerReq === null ? null : Math.round(median(rs.map((r) => r.cpuUsPerReq!))),
});
const table = {
  case: 'intercepted keep-alive HTTPS GET, 1 KB JSON',
  node: process.version, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS,
  direct: summary(results.direct), proxied: summary(results.proxied),
  ratio_rps: Number((median(results.proxied.map((r) => r.rps)) / median(results.direct.map((r) => r.rps))).toFixed(3)),
};
console.log(JSON.stringify(table, null, 2));
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/proxy-vs-direct.json'), JSON.stringify(table, null, 2) + '\n');
