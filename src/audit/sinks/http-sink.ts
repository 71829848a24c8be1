// The http sink: POSTs batches of JSON lines (application/x-ndjson) to a collector. Any answer
// but 2xx, a refused connection or a stall past the timeout fails the batch, which stays queued
// and is retried with backoff. Header values from the config (tokens) go on the wire only:
// errors and logs carry the status or the socket error, never a header.
import { Pool } from 'undici';
import { encodeLines } from './fd-write.ts';
import type { SinkTransport } from './queued-sink.ts';

export interface HttpSinkOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Connect, response-headers and body timeout: a stalled collector fails the batch after it. */
  readonly timeoutMs: number;
}

export class HttpTransport implements SinkTransport {
  readonly connected = true;
  readonly #pool: Pool;
  readonly #path: string;
  readonly #headers: Record<string, string>;

  constructor(options: HttpSinkOptions) {
    const url = new URL(options.url);
    this.#path = `${url.pathname}${url.search}`;
    this.#headers = { ...lowerCased(options.headers ?? {}), 'content-type': 'application/x-ndjson' };
    // undici ignores credentials in a URL; turn them into Basic auth unless a header is set.
    if (url.username !== '' && this.#headers['authorization'] === undefined) {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.#headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    this.#pool = new Pool(url.origin, {
      // Batches go one at a time, in order.
      connections: 1,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async deliver(lines: readonly string[], signal: AbortSignal): Promise<void> {
    const { statusCode, body } = await this.#pool.request({
      method: 'POST', path: this.#path, headers: this.#headers, body: encodeLines(lines), signal,
    });
    await body.dump();
    if (statusCode < 200 || statusCode > 299) throw new Error(`collector answered HTTP ${statusCode}`);
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The collector as named in logs and metrics: origin and path, without credentials or query. */
export function collectorLabel(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
