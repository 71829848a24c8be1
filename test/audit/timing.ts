// Times each call of fn to show it never waits on a sink, robustly on a busy 2-core machine:
// - a garbage-collection pause that overlapped a call is subtracted (a scavenge stops the
//   thread for a few milliseconds at any moment);
// - a call during which the OS preempted the process (involuntary context switch) is judged by
//   the CPU time of this thread instead of wall time. Waiting on I/O or a lock is a *voluntary*
//   switch, so a call that blocked is still judged by its wall time.
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface CallTiming {
  /** Wall time less overlapping GC pauses. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly preempted: boolean;
}

export async function timeCalls(count: number, fn: (i: number) => void): Promise<CallTiming[]> {
  const pauses: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => pauses.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const raw: Array<{ start: number; end: number; cpuMs: number; preempted: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const switches = process.resourceUsage().involuntaryContextSwitches;
    const cpu = process.threadCpuUsage();
    const start = performance.now();
    fn(i);
    const end = performance.now();
    const used = process.threadCpuUsage(cpu);
    raw.push({
      start, end, cpuMs: (used.user + used.system) / 1_000,
      preempted: process.resourceUsage().involuntaryContextSwitches > switches,
    });
  }
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 20));
  pauses.push(...observer.takeRecords());
  observer.disconnect();
  return raw.map(({ start, end, cpuMs, preempted }) => {
    const paused = pauses.reduce((sum, gc) =>
      sum + Math.max(0, Math.min(end, gc.startTime + gc.duration) - Math.max(start, gc.startTime)), 0);
    return { wallMs: end - start - paused, cpuMs, preempted };
  });
}

/** The calls that took limitMs or more by the rules above (expected: none). */
export function slowCalls(timings: readonly CallTiming[], limitMs: number): CallTiming[] {
  return timings.filter((t) => (t.preempted ? t.cpuMs : t.wallMs) >= limitMs);
}
