// Reads the Redis Stream audit sink newest first with XREVRANGE, a batch per round trip. A
// position is a stream entry id; continuing uses the exclusive `(id` range (Redis ≥ 6.2).
import { LINE_FIELD } from '../audit/sinks/redis-stream-sink.ts';
import type { RedisClient } from '../limits/redis-client.ts';
import { InvalidCursorError, type AuditEntry, type AuditSource } from './audit-source.ts';

const BATCH = 256;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export class RedisStreamAuditSource implements AuditSource {
  readonly key: string;
  readonly #redis: RedisClient;
  readonly #stream: string;

  constructor(redis: RedisClient, stream: string) {
    this.#redis = redis;
    this.#stream = stream;
    this.key = `redis-stream:${stream}`;
  }

  async *entriesBefore(position: string | null): AsyncGenerator<AuditEntry> {
    if (position !== null && !STREAM_ID.test(position)) throw new InvalidCursorError('malformed cursor');
    let end = position === null ? '+' : `(${position}`;
    for (;;) {
      const batch = await this.#redis.xrevrange(this.#stream, end, '-', 'COUNT', BATCH);
      for (const [id, fields] of batch) yield { position: id, line: lineOf(fields) };
      const last = batch.at(-1);
      if (last === undefined || batch.length < BATCH) return;
      end = `(${last[0]}`;
    }
  }
}

/** The `line` field's value; an entry without one reads as an empty (unreadable) line. */
function lineOf(fields: readonly string[]): string {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === LINE_FIELD) return fields[i + 1] as string;
  }
  return '';
}
