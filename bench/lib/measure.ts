// One measured load: the load client's figures plus, for a proxied run, the proxy process's
// CPU time and peak RSS over exactly that load (read from /proc around it). Variants of a case
// run alternately, round after round, so slow drift on a shared machine hits them all alike.
import type { Command, Figures, LoadFigures } from './messages.ts';
import { cpuMs, cpuSplitMs, ioSyscalls, peakRssKb, resetPeakRss } from './proc.ts';
import type { ProxyProcess, Stack } from './stack.ts';
import { median } from './stats.ts';

export interface Measured<F extends Figures = Figures> {
  readonly figures: F;
  /** CPU ms the proxy process spent during the load; null when direct. */
  readonly cpuMs: number | null;
  /** The kernel's part of cpuMs (syscalls, loopback network stack); null when direct. */
  readonly systemMs: number | null;
  /** Read + write system calls of the proxy process during the load; null when direct. */
  readonly syscalls: number | null;
  readonly peakRssMb: number | null;
  /** CPU ms the proxy's Redis server spent during the load; null without one. */
  readonly storeCpuMs: number | null;
}

export interface Variant {
  readonly via: string;
  readonly proxy: ProxyProcess | null;
  readonly command: Command;
  /** A short load first, so pools, JIT and TLS sessions are warm; null: none. */
  readonly warmup: Command | null;
}

export interface Row {
  readonly case: string;
  readonly via: string;
  readonly rps: number | null;
  /** Milliseconds. */
  readonly p50: number | null;
  readonly p99: number | null;
  /** Proxy CPU ms per 1,000 requests (= µs per request). */
  readonly cpuMsPer1k: number | null;
  readonly peakRssMb: number | null;
  /** Requests/s relative to the direct run of the same case. */
  readonly ratio: number | null;
  readonly note: string;
}

export async function measure<F extends Figures>(stack: Stack, proxy: ProxyProcess | null, command: Command): Promise<Measured<F>> {
  if (proxy !== null) resetPeakRss(proxy.pid);
  const before = proxy === null ? null : cpuSplitMs(proxy.pid);
  const callsBefore = proxy === null ? 0 : ioSyscalls(proxy.pid);
  const storePid = proxy?.storePid;
  const storeBefore = storePid === undefined ? 0 : cpuMs(storePid);
  const figures = (await stack.client.send(command)) as F;
  const after = proxy === null ? null : cpuSplitMs(proxy.pid);
  return {
    storeCpuMs: storePid === undefined ? null : cpuMs(storePid) - storeBefore,
    figures,
    cpuMs: before === null || after === null ? null : after.user + after.system - before.user - before.system,
    systemMs: before === null || after === null ? null : after.system - before.system,
    syscalls: proxy === null ? null : ioSyscalls(proxy.pid) - callsBefore,
    peakRssMb: proxy === null ? null : peakRssKb(proxy.pid) / 1024,
  };
}

/** Every variant `rounds` times, alternating; results by variant, in the order given. */
export async function alternate<F extends Figures>(stack: Stack, variants: readonly Variant[], rounds: number): Promise<Measured<F>[][]> {
  for (const v of variants) if (v.warmup !== null) await stack.client.send(v.warmup);
  const results: Measured<F>[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, v] of variants.entries()) results[i]!.push(await measure<F>(stack, v.proxy, v.command));
  }
  stack.trimAudit();
  return results;
}

/** Medians over rounds (peak RSS: the highest); CPU per 1,000 successful requests. */
export function loadRow(caseName: string, via: string, runs: readonly Measured<LoadFigures>[], directRps: number | null): Row {
  const rps = median(runs.map((r) => r.figures.requests / r.figures.seconds));
  const errors = runs.reduce((sum, r) => sum + r.figures.errors, 0);
  const cpu = runs[0]?.cpuMs === null ? Number.NaN : median(runs.map((r) => ((r.cpuMs ?? 0) * 1000) / r.figures.requests));
  const peak = Math.max(...runs.map((r) => r.peakRssMb ?? Number.NaN));
  const syscalls = runs[0]?.syscalls == null ? Number.NaN : median(runs.map((r) => (r.syscalls ?? 0) / r.figures.requests));
  const kernel = runs[0]?.systemMs == null ? Number.NaN
    : median(runs.map((r) => ((r.systemMs ?? 0) * 1000) / r.figures.requests));
  const store = runs[0]?.storeCpuMs == null ? Number.NaN
    : median(runs.map((r) => ((r.storeCpuMs ?? 0) * 1000) / r.figures.requests));
  const notes = [
    errors > 0 ? `${errors} errors` : '',
    Number.isFinite(store) ? `Redis ${store.toFixed(0)} µs/req` : '',
    Number.isFinite(syscalls) ? `${syscalls.toFixed(1)} I/O syscalls/req` : '',
    Number.isFinite(kernel) ? `kernel ${kernel.toFixed(0)} µs/req` : '',
  ];
  return {
    case: caseName,
    via,
    rps,
    p50: median(runs.map((r) => r.figures.p50)),
    p99: median(runs.map((r) => r.figures.p99)),
    cpuMsPer1k: Number.isFinite(cpu) ? cpu : null,
    peakRssMb: Number.isFinite(peak) ? peak : null,
    ratio: directRps === null ? null : rps / directRps,
    note: notes.filter(Boolean).join('; '),
  };
}
