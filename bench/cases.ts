// The cases of issue 7, each run direct, through the floor (bare Node interception proxy) and
// through the gateway in the same run, alternating; each returns its rows of the table.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, CaseId } from './lib/args.ts';
import type { LoopFigures } from './lib/loop-figures.ts';
import { alternate, loadRow, type Row, type Variant } from './lib/measure.ts';
import type { Command, IdleFigures, LoadFigures, SseFigures, Target } from './lib/messages.ts';
import { rssKb } from './lib/proc.ts';
import { API_HOST, TUNNEL_HOST } from './lib/shape.ts';
import type { ProxyProcess, Stack } from './lib/stack.ts';
import { median } from './lib/stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
type Via = readonly [name: string, proxy: ProxyProcess | null];

function target(stack: Stack, proxy: ProxyProcess | null, path: string, host = API_HOST): Target {
  return { proxyPort: proxy?.port ?? null, host, port: stack.upstream.https, path };
}

function through(stack: Stack): Via[] {
  const vias: Via[] = [['direct', null], ['floor', stack.floor], ['gateway', stack.gateway]];
  return stack.gatewayBase === null ? vias : [...vias, ['gateway (base)', stack.gatewayBase]];
}

/** Closed-loop rows: the first via is the direct run the ratios refer to. */
async function closedCase(stack: Stack, o: BenchOptions, name: string, vias: readonly Via[], path: string,
  extra: { host?: string; newConnection?: boolean } = {}): Promise<Row[]> {
  const variants: Variant[] = vias.map(([via, proxy]) => {
    const command = (seconds: number): Command => ({
      kind: 'closed', target: target(stack, proxy, path, extra.host), connections: o.connections, seconds, newConnection: extra.newConnection ?? false,
    });
    return { via, proxy, command: command(o.seconds), warmup: command(o.warmupSeconds) };
  });
  const runs = await alternate<LoadFigures>(stack, variants, o.rounds);
  const direct = loadRow(name, vias[0]![0], runs[0]!, null);
  return vias.map(([via], i) => (i === 0 ? { ...direct, ratio: 1 } : loadRow(name, via, runs[i]!, direct.rps)));
}

function withFloorNote(rows: Row[]): Row[] {
  const floor = rows.find((r) => r.via === 'floor')?.cpuMsPer1k ?? null;
  return rows.map((r) => (r.via.startsWith('gateway') && floor !== null && r.cpuMsPer1k !== null
    ? { ...r, note: [`CPU ${(r.cpuMsPer1k / floor).toFixed(2)}× floor`, r.note].filter(Boolean).join('; ') }
    : r));
}

async function case2(stack: Stack, o: BenchOptions): Promise<Row[]> {
  if (stack.gatewayRedis === null) return [{ ...EMPTY_ROW, case: CASE_NAMES['2'], via: 'gateway-redis', note: 'skipped: redis-server not installed' }];
  const vias: Via[] = [['direct', null], ['gateway', stack.gateway]];
  if (stack.gatewayLimits !== null) vias.push(['gateway-limits', stack.gatewayLimits]);
  vias.push(['gateway-redis', stack.gatewayRedis]);
  if (stack.gatewayRedisBase !== null) vias.push(['gateway-redis (base)', stack.gatewayRedisBase]);
  const rows = await closedCase(stack, o, CASE_NAMES['2'], vias, '/item');
  const memory = rows[1]!;
  return rows.map((r) => (/^gateway-(?:limits|redis)/.test(r.via) && memory.cpuMsPer1k !== null && r.cpuMsPer1k !== null && r.rps !== null && memory.rps !== null
    ? { ...r, note: [`${((r.rps / memory.rps - 1) * 100).toFixed(1)} % req/s, CPU ${(r.cpuMsPer1k / memory.cpuMsPer1k).toFixed(2)}× case 1`, r.note].filter(Boolean).join('; ') }
    : r));
}

async function case5(stack: Stack, o: BenchOptions): Promise<Row[]> {
  const vias = through(stack);
  const variants: Variant[] = vias.map(([via, proxy]) => {
    const command = (seconds: number): Command => ({
      kind: 'autocannon', proxyPort: proxy?.port ?? null, host: API_HOST, port: stack.upstream.http, path: '/item', connections: o.connections, seconds,
    });
    return { via, proxy, command: command(o.seconds), warmup: command(Math.max(1, o.warmupSeconds)) };
  });
  const runs = await alternate<LoadFigures>(stack, variants, o.rounds);
  const direct = loadRow(CASE_NAMES['5'], 'direct', runs[0]!, null);
  return withFloorNote(vias.map(([via], i) => (i === 0 ? { ...direct, ratio: 1 } : loadRow(CASE_NAMES['5'], via, runs[i]!, direct.rps))));
}

async function case6(stack: Stack, o: BenchOptions): Promise<Row[]> {
  const vias = through(stack);
  const variants: Variant[] = vias.map(([via, proxy]) => ({
    via, proxy,
    command: { kind: 'sse', target: target(stack, proxy, '/sse'), streams: o.sseStreams },
    warmup: { kind: 'sse', target: target(stack, proxy, '/sse'), streams: 3 },
  }));
  const runs = await alternate<SseFigures>(stack, variants, o.rounds);
  const first = runs.map((rs) => median(rs.map((r) => r.figures.firstP50)));
  return vias.map(([via], i) => {
    const rs = runs[i]!;
    const errors = rs.reduce((sum, r) => sum + r.figures.errors, 0);
    const last = median(rs.map((r) => r.figures.lastP50));
    return {
      ...EMPTY_ROW, case: CASE_NAMES['6'], via,
      p50: first[i]!, p99: median(rs.map((r) => r.figures.firstP99)),
      peakRssMb: rs[0]!.peakRssMb === null ? null : Math.max(...rs.map((r) => r.peakRssMb ?? 0)),
      note: [`first chunk p50/p99; last chunk p50 ${last.toFixed(1)} ms`, i === 0 ? '' : `first ${signed(first[i]! - first[0]!)} ms`,
        errors > 0 ? `${errors} errors` : ''].filter(Boolean).join('; '),
    };
  });
}

async function fixedRate(stack: Stack, o: BenchOptions): Promise<Row[]> {
  const name = `${CASE_NAMES.rate}, ${o.rate} req/s`;
  // With case 2 in the run, the Redis gateway too: at one offered rate, CPU per request compares
  // the work itself, not how much I/O each process could batch at its own saturation point.
  const vias: Via[] = through(stack);
  if (stack.gatewayRedis !== null) vias.push(['gateway-redis', stack.gatewayRedis]);
  if (stack.gatewayRedisBase !== null) vias.push(['gateway-redis (base)', stack.gatewayRedisBase]);
  const variants: Variant[] = vias.map(([via, proxy]) => {
    const command = (seconds: number): Command => ({ kind: 'rate', target: target(stack, proxy, '/item'), rate: o.rate, connections: 64, seconds });
    return { via, proxy, command: command(o.seconds), warmup: command(o.warmupSeconds) };
  });
  const runs = await alternate<LoadFigures>(stack, variants, o.rounds);
  const rows = vias.map(([via], i) => loadRow(name, via, runs[i]!, null));
  const direct = rows[0]!;
  return withFloorNote(rows.map((r, i) => (i === 0 || r.p99 === null || direct.p99 === null ? r
    : { ...r, note: [`p99 ${signed(r.p99 - direct.p99)} ms over direct`, r.note].filter(Boolean).join('; ') })));
}

async function case7(stack: Stack, o: BenchOptions): Promise<Row[]> {
  const args = [`${root}bench/leaf-cost.ts`, stack.pki.interceptionCa.certFile, stack.pki.interceptionCa.keyFile, String(o.leaves)];
  const child = o.pin ? spawn('taskset', ['-c', '1', process.execPath, ...args]) : spawn(process.execPath, args);
  let text = '';
  child.stdout.on('data', (c: Buffer) => { text += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`leaf-cost exited with ${code}`);
  const { cold, cachedNs, cachedDidCertificateWork } = JSON.parse(text) as { cold: LoopFigures; cachedNs: number; cachedDidCertificateWork: boolean };
  return [
    { ...EMPTY_ROW, case: CASE_NAMES['7'], via: 'cold', p50: cold.mean, p99: cold.p99,
      note: `mean, p99; event loop blocked ≤ ${cold.maxBlock.toFixed(1)} ms, busy ${cold.loopPerOp.toFixed(2)} ms/leaf (${o.leaves} hosts)` },
    { ...EMPTY_ROW, case: CASE_NAMES['7'], via: 'cached', p50: cachedNs / 1e6,
      note: `${cachedNs.toFixed(0)} ns per lookup; certificate work on hits: ${cachedDidCertificateWork ? 'YES' : 'none'}` },
  ];
}

async function case8(stack: Stack, o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [via, proxy] of through(stack).slice(1) as [string, ProxyProcess][]) {
    await sleep(1000);
    const before = rssKb(proxy.pid);
    const opened = (await stack.client.send({ kind: 'idle-open', target: { ...target(stack, proxy, '/item'), proxyPort: proxy.port }, count: o.tunnels })) as IdleFigures;
    // Let the handshakes' garbage be collected before reading what the tunnels themselves hold.
    await sleep(3000);
    const after = rssKb(proxy.pid);
    await stack.client.send({ kind: 'idle-close' });
    rows.push({
      ...EMPTY_ROW, case: CASE_NAMES['8'], via, peakRssMb: after / 1024,
      note: `${((after - before) / Math.max(1, opened.opened)).toFixed(1)} KB RSS per tunnel (${opened.opened} open, ${opened.failed} failed, ` +
        `opened in ${opened.seconds.toFixed(1)} s; RSS ${(before / 1024).toFixed(0)} → ${(after / 1024).toFixed(0)} MB)`,
    });
  }
  stack.trimAudit();
  return rows;
}

const EMPTY_ROW: Row = { case: '', via: '', rps: null, p50: null, p99: null, cpuMsPer1k: null, peakRssMb: null, ratio: null, note: '' };

export const CASE_NAMES: Record<CaseId, string> = {
  '1': '1 intercepted keep-alive 1 KB',
  '1b': '1b intercepted keep-alive 100 KB',
  '2': '2 = 1 + Redis, rate, budget',
  '3': '3 new TLS connection per request',
  '4': '4 tunnel: true (spliced)',
  '5': '5 plain-HTTP absolute-URI (autocannon)',
  '6': '6 SSE, 50 chunks',
  rate: 'fixed offered rate',
  '7': '7 leaf certificate (in-process)',
  '8': '8 idle intercepted tunnels',
};

export const RUN_CASE: Record<CaseId, (stack: Stack, o: BenchOptions) => Promise<Row[]>> = {
  '1': async (stack, o) => withFloorNote(await closedCase(stack, o, CASE_NAMES['1'], through(stack), '/item')),
  '1b': async (stack, o) => withFloorNote(await closedCase(stack, o, CASE_NAMES['1b'], through(stack), '/big')),
  '2': case2,
  '3': async (stack, o) => withFloorNote(await closedCase(stack, o, CASE_NAMES['3'], through(stack), '/item', { newConnection: true })),
  '4': async (stack, o) => withFloorNote(await closedCase(stack, o, CASE_NAMES['4'], through(stack), '/item', { host: TUNNEL_HOST })),
  '5': case5,
  '6': case6,
  rate: fixedRate,
  '7': case7,
  '8': case8,
};

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(2)}`;
}
