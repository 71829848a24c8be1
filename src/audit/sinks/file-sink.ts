// The file sink: appends JSON lines to one file. reopen() (SIGUSR2, after logrotate renamed the
// file) closes the descriptor and opens the path again, so later lines go to a fresh file at the
// original path while the rotated one keeps everything written before.
import { close, mkdirSync, open, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { encodeLines, writeAll } from './fd-write.ts';
import type { SinkTransport } from './queued-sink.ts';

const openAsync = promisify(open);
const closeAsync = promisify(close);
// Audit records name agents, hosts and paths: readable by the owner and its group only.
const MODE = 0o640;

export class FileTransport implements SinkTransport {
  readonly #path: string;
  #fd: number | null;
  #closed = false;
  /** Deliveries, reopen and close run one at a time, so no write lands on a closed descriptor. */
  #serial: Promise<unknown> = Promise.resolve();

  /** Opens synchronously so that a wrong path fails start-up instead of the first request. */
  constructor(path: string) {
    this.#path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, 'a', MODE);
  }

  /** False after a reopen failed, until a later attempt opens the file again. */
  get connected(): boolean {
    return this.#fd !== null;
  }

  deliver(lines: readonly string[], signal: AbortSignal): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed) throw new Error('file sink is closed');
      this.#fd ??= await this.#open();
      await writeAll(this.#fd, encodeLines(lines), signal);
    });
  }

  reopen(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed) return;
      const old = this.#fd;
      this.#fd = null;
      if (old !== null) await closeAsync(old);
      this.#fd = await this.#open();
    });
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      this.#closed = true;
      const fd = this.#fd;
      this.#fd = null;
      if (fd !== null) await closeAsync(fd);
    });
  }

  async #open(): Promise<number> {
    await mkdir(dirname(this.#path), { recursive: true });
    return openAsync(this.#path, 'a', MODE);
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#serial.then(task);
    this.#serial = result.catch(() => undefined);
    return result;
  }
}
