// The contract between AuditLog and its sinks (issue 5): every sink sits behind its own bounded
// queue and writes in the background, so a slow or dead destination costs traffic at most the
// queue bound, never a blocked request. What is dropped beyond the bound is counted and logged.

export interface SinkStats {
  /** Lines waiting (including a batch being delivered). */
  readonly queued: number;
  /** Lines refused because the queue was full, or still queued when the sink was closed. */
  readonly dropped: number;
  readonly written: number;
  /** Failed delivery attempts (a batch retried three times counts three). */
  readonly failures: number;
  readonly accepting: boolean;
}

export interface AuditSink {
  /** Stable label for logs and metrics, e.g. `file:/var/log/audit.jsonl`; never a secret. */
  readonly name: string;
  /**
   * True while a line enqueued now is expected to reach the destination: the queue has room,
   * the destination is connected, and it has not been failing for longer than its retry budget.
   */
  readonly accepting: boolean;
  /** Queues one sealed JSON line (no trailing newline); false when it was dropped. Never blocks. */
  enqueue(line: string): boolean;
  /** Resolves once every line enqueued before the call was written (or dropped at close). */
  flush(): Promise<void>;
  /** Re-opens the destination (the file sink, on SIGUSR2 after logrotate); others do nothing. */
  reopen(): Promise<void>;
  /** Drains for at most the close timeout, then drops what is left and releases the destination. */
  close(): Promise<void>;
  stats(): SinkStats;
}

export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

/** Per-sink knobs; DEFAULT_TUNING documents the defaults for each sink type. */
export interface SinkTuning {
  /** Queue bound in lines and in bytes (UTF-8, newline included): whichever is reached first. */
  readonly maxLines: number;
  readonly maxBytes: number;
  /** A delivery carries at most this many lines / bytes. */
  readonly batchLines: number;
  readonly batchBytes: number;
  /** How long a partial batch waits for more lines (0: send at once). */
  readonly lingerMs: number;
  /** Retry delays after a failed delivery: exponential from baseMs, capped, with jitter. */
  readonly backoff: Backoff;
  /** A failing sink still counts as accepting for this long (0: not after any failure). */
  readonly retryBudgetMs: number;
  /** Per-delivery timeout where the transport has one (HTTP headers/body, Redis commands). */
  readonly timeoutMs: number;
  /** close() waits this long for the queue to drain before dropping the rest. */
  readonly closeTimeoutMs: number;
}

export type SinkType = 'stdout' | 'file' | 'redis-stream' | 'http';

const QUEUE = { maxLines: 10_000, maxBytes: 32 * 1024 * 1024 } as const;
// Local sinks wait 2 ms for a partial batch: under load that turns one write (and thread-pool
// round trip) per one or two records into one per dozens; bench/ profiles put those writes at
// 3-5 % of the gateway's time per request without it.
const LOCAL = {
  ...QUEUE, batchLines: 1_000, batchBytes: 1024 * 1024, lingerMs: 2,
  backoff: { baseMs: 100, capMs: 2_000 }, retryBudgetMs: 0, timeoutMs: 10_000, closeTimeoutMs: 5_000,
} as const;

/**
 * Defaults: every queue holds 10,000 lines or 32 MiB. stdout and file write what arrived within
 * 2 ms, up to 1,000 lines per write. Redis sends up to 500 XADDs per round trip. HTTP posts
 * 100 lines or whatever arrived within 1 s, retries with backoff from 250 ms up to 10 s, and
 * keeps accepting for 30 s of failures (a collector restart) while its queue has room.
 */
export const DEFAULT_TUNING: Readonly<Record<SinkType, SinkTuning>> = {
  stdout: LOCAL,
  file: LOCAL,
  'redis-stream': { ...LOCAL, batchLines: 500, backoff: { baseMs: 100, capMs: 1_000 }, timeoutMs: 5_000 },
  http: {
    ...QUEUE, batchLines: 100, batchBytes: 4 * 1024 * 1024, lingerMs: 1_000,
    backoff: { baseMs: 250, capMs: 10_000 }, retryBudgetMs: 30_000, timeoutMs: 10_000, closeTimeoutMs: 5_000,
  },
};
