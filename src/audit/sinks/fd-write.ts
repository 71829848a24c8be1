// Writes a batch of lines to a file descriptor through libuv's thread pool: the event loop never
// blocks, and the promise settles only once the kernel has every byte (or with the error), which
// is what lets the queue hold a line until it is really written.
import { write } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export function encodeLines(lines: readonly string[]): Buffer {
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export async function writeAll(fd: number, data: Buffer, signal: AbortSignal): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += await writeOnce(fd, data, offset);
    } catch (err) {
      // A non-blocking stdout (some terminals and pipes) answers EAGAIN while its reader lags:
      // wait and try again, as pino's SonicBoom does; the queue bound keeps the backlog finite.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await delay(10, undefined, { signal });
    }
  }
}

function writeOnce(fd: number, data: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, data, offset, data.length - offset, null, (err, written) => (err ? reject(err) : resolve(written)));
  });
}
