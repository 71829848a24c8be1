import { describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/audit/capture-log.ts';
import { QueuedSink, type SinkTransport } from './queued-sink.ts';
import { DEFAULT_TUNING, type SinkTuning } from './sink.ts';

/** A destination the test drives: it records batches and can fail or hold deliveries. */
class ScriptedTransport implements SinkTransport {
  connected = true;
  readonly batches: string[][] = [];
  readonly attempts: number[] = [];
  failWith: Error | null = null;
  #held: Array<() => void> = [];
  hold = false;

  async deliver(lines: readonly string[], signal: AbortSignal): Promise<void> {
    this.attempts.push(performance.now());
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.#held.push(resolve);
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    if (this.failWith) throw this.failWith;
    this.batches.push([...lines]);
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.#held.splice(0)) resolve();
  }

  async close(): Promise<void> {}

  get delivered(): string[] {
    return this.batches.flat();
  }
}

function tuning(overrides: Partial<SinkTuning>): SinkTuning {
  return { ...DEFAULT_TUNING.stdout, backoff: { baseMs: 5, capMs: 40 }, ...overrides };
}

const lines = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `{"n":${from + i}}`);
const until = async (ok: () => boolean, ms = 3_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('QueuedSink', () => {
  it('sends a full batch at once and a partial one after the linger time', async () => {
    const t = new ScriptedTransport();
    const sink = new QueuedSink('t', t, tuning({ batchLines: 3, lingerMs: 80 }), { log: captureLog().log });
    const started = performance.now();
    for (const l of lines(7)) sink.enqueue(l);
    await until(() => t.batches.length >= 2);
    expect(t.batches).toEqual([lines(3), lines(3, 3)]);
    await until(() => t.batches.length === 3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    expect(t.batches[2]).toEqual(lines(1, 6));
    expect(sink.stats()).toMatchObject({ queued: 0, written: 7, dropped: 0, failures: 0, accepting: true });
    await sink.close();
  });

  it('flush() sends a lingering partial batch without waiting for the linger time', async () => {
    const t = new ScriptedTransport();
    const sink = new QueuedSink('t', t, tuning({ batchLines: 100, lingerMs: 10_000 }), { log: captureLog().log });
    sink.enqueue('a');
    sink.enqueue('b');
    const started = performance.now();
    await sink.flush();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(t.delivered).toEqual(['a', 'b']);
    await sink.close();
  });

  it('keeps a failed batch queued, retries it with growing delays, and logs the outage once', async () => {
    const t = new ScriptedTransport();
    t.failWith = new Error('destination down');
    const captured = captureLog();
    const sink = new QueuedSink('t', t, tuning({ backoff: { baseMs: 10, capMs: 80 } }), { log: captured.log });
    for (const l of lines(5)) sink.enqueue(l);
    await until(() => t.attempts.length >= 5);
    expect(sink.stats()).toMatchObject({ queued: 5, written: 0, accepting: false });
    expect(sink.stats().failures).toBeGreaterThanOrEqual(5);
    const gaps = t.attempts.slice(1, 5).map((at, i) => at - t.attempts[i]!);
    // equal jitter: retry n waits between half and all of min(80, 10·2^(n-1)) ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(4);
    expect(gaps[3]).toBeGreaterThanOrEqual(35);
    expect(gaps[3]!).toBeGreaterThan(gaps[0]!);
    t.failWith = null;
    await sink.flush();
    expect(t.delivered).toEqual(lines(5));
    expect(sink.stats()).toMatchObject({ queued: 0, written: 5, dropped: 0, accepting: true });
    const messages = captured.lines().map((l) => l['msg']);
    expect(messages.filter((m) => String(m).includes('delivery failed'))).toHaveLength(1);
    expect(messages).toContain('audit sink delivering again');
    await sink.close();
  });

  it('a failing sink keeps accepting within its retry budget', async () => {
    let now = 1_000;
    const t = new ScriptedTransport();
    t.failWith = new Error('503');
    const sink = new QueuedSink('t', t, tuning({ retryBudgetMs: 500 }), { log: captureLog().log, now: () => now });
    sink.enqueue('a');
    await until(() => t.attempts.length >= 1);
    expect(sink.accepting).toBe(true);
    now += 499;
    expect(sink.accepting).toBe(true);
    now += 1;
    expect(sink.accepting).toBe(false);
    t.failWith = null;
    await sink.flush();
    expect(sink.accepting).toBe(true);
    await sink.close();
  });

  it('drops beyond the bound without blocking, counts and reports drops, loses nothing within it', async () => {
    const t = new ScriptedTransport();
    t.hold = true;
    const captured = captureLog();
    const reported: Array<[string, number]> = [];
    const sink = new QueuedSink('held', t, tuning({ maxLines: 10, batchLines: 4 }), {
      log: captured.log, onDrop: (name, count) => reported.push([name, count]),
    });
    const accepted = lines(25).map((l) => sink.enqueue(l));
    expect(accepted.filter(Boolean)).toHaveLength(10);
    expect(sink.stats()).toMatchObject({ queued: 10, dropped: 15, accepting: false });
    expect(reported).toHaveLength(15);
    expect(reported.every(([name, count]) => name === 'held' && count === 1)).toBe(true);
    // Rate-limited: one log line for the burst, with its count.
    const drops = captured.lines().filter((l) => String(l['msg']).includes('dropped'));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ sink: 'held', dropped: 1 });
    t.release();
    await sink.flush();
    expect(t.delivered).toEqual(lines(10));
    expect(sink.stats()).toMatchObject({ queued: 0, written: 10, dropped: 15, accepting: true });
    await sink.close();
  });

  it('close() gives a stuck destination the close timeout, then drops what is left', async () => {
    const t = new ScriptedTransport();
    t.hold = true;
    const captured = captureLog();
    const sink = new QueuedSink('stuck', t, tuning({ closeTimeoutMs: 50 }), { log: captured.log });
    for (const l of lines(3)) sink.enqueue(l);
    const flushed = sink.flush();
    const started = performance.now();
    await sink.close();
    await flushed;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sink.stats()).toMatchObject({ queued: 0, written: 0, dropped: 3, accepting: false });
    expect(sink.enqueue('late')).toBe(false);
    expect(captured.lines().some((l) => String(l['msg']).includes('dropped') && l['dropped_total'] === 3)).toBe(true);
  });
});
