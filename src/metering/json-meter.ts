// Meters a JSON response body: reads its top-level `model` and `usage` as the bytes pass,
// incrementally (JsonMemberReader), and passes every chunk on untouched.
import { JsonMemberReader } from './json-members.ts';
import type { UsageReader } from './provider.ts';
import type { Usage } from './usage.ts';

export class JsonMeter {
  readonly #reader: UsageReader;
  readonly #members = new JsonMemberReader(['model', 'usage']);

  constructor(reader: UsageReader) {
    this.#reader = reader;
  }

  transform(chunk: Buffer): Buffer {
    this.#members.push(chunk);
    return chunk;
  }

  /** A body's `usage` is whole or absent, so any usage read from it is final. */
  usage(): Usage | null {
    return this.#reader.fromBody(this.#members.get('model'), this.#members.get('usage'));
  }
}
