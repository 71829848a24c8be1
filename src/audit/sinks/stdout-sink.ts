// The stdout sink: JSON lines on file descriptor 1, for a container's log collector.
import { encodeLines, writeAll } from './fd-write.ts';
import type { SinkTransport } from './queued-sink.ts';

export class StdoutTransport implements SinkTransport {
  readonly connected = true;
  readonly #fd: number;

  /** fd is for tests; the gateway always writes to 1. */
  constructor(fd = 1) {
    this.#fd = fd;
  }

  deliver(lines: readonly string[], signal: AbortSignal): Promise<void> {
    return writeAll(this.#fd, encodeLines(lines), signal);
  }

  async close(): Promise<void> {
    // stdout belongs to the whole process (pino logs there too): it is never closed here.
  }
}
