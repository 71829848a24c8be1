// Per-operation latency of an async operation run in sequence, and how long it held the event
// loop meanwhile: the figures the leaf-issuance target is stated in (issue 7: cold leaf ≤ 5 ms,
// event loop never blocked by it for more than 5 ms).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface LoopFigures {
  readonly mean: number;
  readonly p99: number;
  /** Longest the event loop was held, ms (monitorEventLoopDelay, 1 ms resolution), and its p99. */
  readonly maxBlock: number;
  readonly p99Block: number;
  /** Event-loop busy time per operation, ms (eventLoopUtilization): the sum of its synchronous slices. */
  readonly loopPerOp: number;
}

/** Runs `op` `count` times in sequence; per-op latency and the longest event-loop stall meanwhile. */
export async function measureLoop(count: number, op: (i: number) => Promise<unknown> | unknown): Promise<LoopFigures> {
  const times: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const utilization = performance.eventLoopUtilization();
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await op(i);
    times.push(performance.now() - start);
    // Back to the event loop between operations, as between real handshakes: without it a
    // synchronous op never lets the monitor's timer run, and its block goes unseen.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Let the monitor's timer observe the end of the run before reading it.
  await new Promise((resolve) => setTimeout(resolve, 5));
  delay.disable();
  const busy = performance.eventLoopUtilization(utilization).active;
  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  // The monitor reports timer lateness beyond its own 1 ms period: that is the block.
  return {
    mean,
    p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN,
    maxBlock: Math.max(0, delay.max / 1e6 - 1),
    p99Block: Math.max(0, delay.percentile(99) / 1e6 - 1),
    loopPerOp: busy / count,
  };
}
