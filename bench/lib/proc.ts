// Figures of another process read from /proc (Linux): CPU time, resident memory and its peak.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

const TICK_MS = 10;

/** User + system CPU ms (clock ticks of 10 ms: measure windows of seconds, not milliseconds). */
export function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}

/** User and system (kernel: syscalls, network stack) CPU ms of a process. */
export function cpuSplitMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
}

/** Read and write system calls so far (`/proc/PID/io` syscr + syscw): socket I/O counts here. */
export function ioSyscalls(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? Number.NaN);
  return field('syscr') + field('syscw');
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]);
}

export const rssKb = (pid: number): number => statusKb(pid, 'VmRSS');
export const peakRssKb = (pid: number): number => statusKb(pid, 'VmHWM');

/** Restarts the peak-RSS high-water mark at the current RSS (Linux ≥ 4.0, `clear_refs` 5). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Resolves with the first match of `pattern` in what the child writes on `stream`. */
export function firstMatch(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m === null) return;
      child[stream]!.off('data', onData);
      resolve(m);
    };
    child[stream]!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before printing ${pattern}: ${text.slice(-2000)}`)));
  });
}
