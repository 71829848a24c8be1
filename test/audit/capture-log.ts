// A pino logger whose JSON lines are kept in memory, so tests can assert what sinks log (and
// that secrets never appear in it).
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: () => Record<string, unknown>[];
  readonly text: () => string;
}

export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = pino({ level: 'debug' }, stream);
  const text = (): string => chunks.join('');
  return {
    log,
    text,
    lines: () => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
