// Drops are logged with their count, at most once per interval per sink: a dead collector under
// load would otherwise write one log line per request. Counts that arrive inside the interval
// are summed and logged when it ends, so the last drops of an outage are reported too.
import type { Logger } from 'pino';

export class DropReporter {
  readonly #sink: string;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #pending = 0;
  #total = 0;
  #lastAt = -Infinity;
  #timer: NodeJS.Timeout | null = null;

  constructor(sink: string, log: Logger, intervalMs = 10_000, now: () => number = Date.now) {
    this.#sink = sink;
    this.#log = log;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  add(count: number): void {
    this.#pending += count;
    this.#total += count;
    const wait = this.#lastAt + this.#intervalMs - this.#now();
    if (wait <= 0) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  /** Logs what has not been logged yet (also called when the sink closes). */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending === 0) return;
    this.#log.warn({ sink: this.#sink, dropped: this.#pending, dropped_total: this.#total },
      'audit sink dropped records (queue full or sink closed)');
    this.#pending = 0;
    this.#lastAt = this.#now();
  }
}
