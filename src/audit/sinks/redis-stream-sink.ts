// The redis-stream sink: each sealed line becomes one stream entry `XADD <stream> MAXLEN ~ <n> *
// line <json>` (field name LINE_FIELD), a batch sent as one MULTI/EXEC round trip so it lands
// whole or is retried whole. Nothing is buffered inside ioredis (no offline queue, no retries):
// while Redis is away our bounded queue holds the lines, and ioredis reconnects by itself. The url
// takes every form `store.url` does (standalone, Sentinel, Cluster: limits/redis-client.ts); one
// stream is one key, so a batch stays in one slot.
import type { Logger } from 'pino';
import { createRedisClient, type RedisClient } from '../../limits/redis-client.ts';
import type { SinkTransport } from './queued-sink.ts';

/** The stream entry field that holds the JSON line: `XRANGE portcullis:audit - +` → [id, ['line', '{…}']]. */
export const LINE_FIELD = 'line';
/** Approximate stream length kept when the sink names no maxlen (the SPEC's example value). */
export const DEFAULT_MAXLEN = 1_000_000;

export interface RedisStreamOptions {
  readonly url: string;
  readonly stream: string;
  readonly maxlen?: number | undefined;
  /** Connect and command timeout. */
  readonly timeoutMs: number;
  /** Connection losses and returns are logged with the sink's name (never the url: it may hold a password). */
  readonly log: Logger;
  readonly name: string;
}

export class RedisStreamTransport implements SinkTransport {
  readonly #redis: RedisClient;
  readonly #stream: string;
  readonly #maxlen: string;
  readonly #timeoutMs: number;
  #lastError = '';
  #lost = false;
  #closing = false;

  constructor(options: RedisStreamOptions) {
    this.#stream = options.stream;
    this.#maxlen = String(options.maxlen ?? DEFAULT_MAXLEN);
    this.#timeoutMs = options.timeoutMs;
    // A batch cut off by a disconnect fails, and the queue retries it; ioredis must not resend
    // it on its own as well (createRedisClient's default).
    this.#redis = createRedisClient(options.url, { commandTimeoutMs: options.timeoutMs });
    // Failures surface as failed deliveries (logged by the queue); this keeps their cause and
    // stops ioredis from printing "Unhandled error event" to the console.
    this.#redis.on('error', (err: Error) => { this.#lastError = err.message; });
    // ioredis emits 'close' on every failed reconnect too: log the loss once, and the return.
    this.#redis.on('close', () => {
      if (this.#lost || this.#closing) return;
      this.#lost = true;
      options.log.warn({ sink: options.name, err: this.#lastError || null },
        'audit redis connection down; records wait in the queue until it is back');
    });
    this.#redis.on('ready', () => {
      if (!this.#lost) return;
      this.#lost = false;
      options.log.info({ sink: options.name }, 'audit redis connection back');
    });
  }

  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  async deliver(lines: readonly string[], signal: AbortSignal): Promise<void> {
    if (!await this.#ready(signal, this.#timeoutMs)) {
      throw new Error(`redis not connected (${this.#redis.status}${this.#lastError ? `: ${this.#lastError}` : ''})`);
    }
    const tx = this.#redis.multi();
    for (const line of lines) tx.xadd(this.#stream, 'MAXLEN', '~', this.#maxlen, '*', LINE_FIELD, line);
    const results = await tx.exec();
    if (results === null) throw new Error('redis transaction discarded');
    for (const [err] of results) if (err) throw err;
  }

  async untilConnected(signal: AbortSignal): Promise<void> {
    await this.#ready(signal, Infinity);
  }

  async close(): Promise<void> {
    // The queue has drained (or given up) by now: nothing worth a graceful QUIT is pending.
    this.#closing = true;
    this.#redis.disconnect();
  }

  /** True once Redis is ready; false when the wait times out or the sink closes first. */
  #ready(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (): void => {
        this.#redis.off('ready', finish);
        signal.removeEventListener('abort', finish);
        if (timer !== null) clearTimeout(timer);
        resolve(this.connected);
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(finish, timeoutMs) : null;
      this.#redis.on('ready', finish);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
