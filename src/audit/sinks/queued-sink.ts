// One background writer per sink: lines wait in a BoundedQueue, a single pump delivers them in
// batches through the sink's transport and retries a failed batch with backoff. enqueue() only
// touches the queue, so traffic never waits on a destination.
import type { Logger } from 'pino';
import { backoffDelay, sleep } from './backoff.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { DropReporter } from './drop-reporter.ts';
import type { AuditSink, SinkStats, SinkTuning } from './sink.ts';

/** How a sink reaches its destination; the queueing, batching and retrying are QueuedSink's. */
export interface SinkTransport {
  /** False while the destination is known to be unreachable (e.g. Redis reconnecting). */
  readonly connected: boolean;
  /** Delivers the batch; resolves once the destination has it, rejects to have it retried. */
  deliver(lines: readonly string[], signal: AbortSignal): Promise<void>;
  /** After a failure while disconnected: resolves when reconnected (instead of a backoff timer). */
  untilConnected?(signal: AbortSignal): Promise<void>;
  reopen?(): Promise<void>;
  /** Releases the destination; a delivery still under way may reject. */
  close(): Promise<void>;
}

export interface SinkContext {
  readonly log: Logger;
  readonly onDrop?: (sink: string, count: number) => void;
  readonly now?: () => number;
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

export class QueuedSink implements AuditSink {
  readonly name: string;
  readonly #transport: SinkTransport;
  readonly #tuning: SinkTuning;
  readonly #queue: BoundedQueue;
  readonly #log: Logger;
  readonly #onDrop: ((sink: string, count: number) => void) | undefined;
  readonly #now: () => number;
  readonly #drops: DropReporter;
  readonly #abort = new AbortController();
  #written = 0;
  #dropped = 0;
  #failures = 0;
  #failingSince: number | null = null;
  /** Lines ever queued / ever removed (written or dropped at close): flush() waits on these. */
  #queuedTotal = 0;
  #settledTotal = 0;
  #waiters: FlushWaiter[] = [];
  #pump: Promise<void> | null = null;
  #lingerTimer: NodeJS.Timeout | null = null;
  /** Set when a partial batch has lingered long enough. */
  #due = false;
  #closing = false;
  #closed: Promise<void> | null = null;

  constructor(name: string, transport: SinkTransport, tuning: SinkTuning, context: SinkContext) {
    this.name = name;
    this.#transport = transport;
    this.#tuning = tuning;
    this.#queue = new BoundedQueue(tuning);
    this.#log = context.log;
    this.#onDrop = context.onDrop;
    this.#now = context.now ?? Date.now;
    this.#drops = new DropReporter(name, context.log, 10_000, this.#now);
  }

  get accepting(): boolean {
    return !this.#closing && !this.#queue.full && this.#transport.connected &&
      (this.#failingSince === null || this.#now() - this.#failingSince < this.#tuning.retryBudgetMs);
  }

  enqueue(line: string): boolean {
    if (this.#closing || !this.#queue.offer(line)) {
      this.#drop(1);
      return false;
    }
    this.#queuedTotal++;
    this.#schedule();
    return true;
  }

  flush(): Promise<void> {
    const target = this.#queuedTotal;
    if (this.#settledTotal >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ target, resolve });
      this.#schedule();
    });
  }

  async reopen(): Promise<void> {
    await this.#transport.reopen?.();
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  stats(): SinkStats {
    return {
      queued: this.#queue.length,
      dropped: this.#dropped,
      written: this.#written,
      failures: this.#failures,
      accepting: this.accepting,
    };
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    const deadline = new AbortController();
    await Promise.race([this.flush(), sleep(this.#tuning.closeTimeoutMs, deadline.signal)]);
    deadline.abort();
    this.#abort.abort();
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    try {
      await this.#transport.close();
    } catch (err) {
      this.#log.warn({ sink: this.name, err: errorMessage(err) }, 'audit sink did not close cleanly');
    }
    await this.#pump;
    const lost = this.#queue.clear();
    if (lost > 0) {
      this.#drop(lost);
      this.#settle(lost);
    }
    this.#drops.flush();
  }

  /** Starts the pump when a batch is ready, or arms the linger timer for a partial one. */
  #schedule(): void {
    if (this.#pump !== null || this.#abort.signal.aborted || this.#queue.length === 0) return;
    if (!this.#batchReady()) {
      this.#lingerTimer ??= setTimeout(() => {
        this.#lingerTimer = null;
        this.#due = true;
        this.#schedule();
      }, this.#tuning.lingerMs).unref();
      return;
    }
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    this.#pump = this.#run().finally(() => {
      this.#pump = null;
      this.#schedule();
    });
  }

  #batchReady(): boolean {
    return this.#tuning.lingerMs === 0 || this.#due || this.#closing || this.#waiters.length > 0 ||
      this.#queue.length >= this.#tuning.batchLines;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let attempt = 0;
    while (!signal.aborted && this.#queue.length > 0 && (attempt > 0 || this.#batchReady())) {
      const batch = this.#queue.peek(this.#tuning.batchLines, this.#tuning.batchBytes);
      try {
        await this.#transport.deliver(batch, signal);
      } catch (err) {
        if (signal.aborted) return;
        attempt++;
        this.#failed(err, attempt);
        if (!this.#transport.connected && this.#transport.untilConnected) await this.#transport.untilConnected(signal);
        else await sleep(backoffDelay(attempt, this.#tuning.backoff), signal);
        continue;
      }
      this.#queue.remove(batch.length);
      this.#written += batch.length;
      this.#settle(batch.length);
      this.#recovered(attempt);
      attempt = 0;
      this.#due = false;
    }
  }

  #failed(err: unknown, attempt: number): void {
    this.#failures++;
    if (this.#failingSince !== null) return;
    this.#failingSince = this.#now();
    // Only the error's message: transports never put header values or credentials in it.
    this.#log.warn({ sink: this.name, attempt, err: errorMessage(err), queued: this.#queue.length },
      'audit sink delivery failed; records stay queued and are retried');
  }

  #recovered(attempts: number): void {
    if (this.#failingSince === null) return;
    this.#log.info({ sink: this.name, failed_attempts: attempts, down_ms: this.#now() - this.#failingSince },
      'audit sink delivering again');
    this.#failingSince = null;
  }

  #drop(count: number): void {
    this.#dropped += count;
    this.#drops.add(count);
    this.#onDrop?.(this.name, count);
  }

  #settle(count: number): void {
    this.#settledTotal += count;
    if (this.#waiters.length === 0) return;
    const done = this.#waiters.filter((w) => w.target <= this.#settledTotal);
    this.#waiters = this.#waiters.filter((w) => w.target > this.#settledTotal);
    for (const w of done) w.resolve();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
