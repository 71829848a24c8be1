// Meters an SSE response as it streams, and, when the gateway added
// `stream_options.include_usage` on the agent's behalf, removes the usage-only chunk that
// this added, so the agent's client sees exactly the stream it asked for.
//
// Stripping holds back the bytes of the event in progress until its blank line shows whether
// it is that chunk. The agent loses no time by it: an SSE client dispatches an event only at
// its blank line anyway. An event that outgrows MAX_HELD_BYTES cannot be the small usage
// chunk and is released as it comes.
import { isUsageOnlyChunk } from './openai.ts';
import type { UsageReader } from './provider.ts';
import { SseParser, type SseEvent } from './sse.ts';
import { mergeUsage, type Usage } from './usage.ts';

export const MAX_HELD_BYTES = 64 * 1024;

export class SseMeter {
  readonly #reader: UsageReader;
  readonly #strip: boolean;
  readonly #parser: SseParser;
  #usage: Usage | null = null;
  #final = false;
  #ended = false;

  // Strip mode: the current chunk, where the current event started in it, what goes out.
  #chunk: Buffer = Buffer.alloc(0);
  #eventStart = 0;
  #out: Buffer[] = [];
  #changed = false;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #released = false;

  constructor(reader: UsageReader, strip: boolean) {
    this.#reader = reader;
    this.#strip = strip;
    this.#parser = new SseParser((event, end) => this.#onEvent(event, end));
  }

  get usage(): Usage | null {
    return this.#usage;
  }

  get final(): boolean {
    return this.#final;
  }

  transform(chunk: Buffer): Buffer | null {
    if (!this.#strip) {
      this.#parser.push(chunk);
      return chunk;
    }
    this.#chunk = chunk;
    this.#eventStart = 0;
    this.#out = [];
    this.#changed = false;
    this.#parser.push(chunk);
    this.#holdRest();
    if (!this.#changed) return chunk;
    return this.#out.length === 0 ? null : Buffer.concat(this.#out);
  }

  /** End of body: settles a last CR-terminated event and hands back any bytes still held. */
  flush(): Buffer | null {
    if (this.#ended) return null;
    this.#ended = true;
    this.#chunk = Buffer.alloc(0);
    this.#eventStart = 0;
    this.#out = [];
    this.#parser.end();
    this.#out.push(...this.#held);
    this.#held = [];
    this.#heldBytes = 0;
    return this.#out.length === 0 ? null : Buffer.concat(this.#out);
  }

  #onEvent(event: SseEvent | null, end: number): void {
    const data = event === null ? undefined : parseData(event.data);
    if (data !== undefined) {
      const found = this.#reader.fromEvent(data);
      if (found !== null) {
        this.#usage = mergeUsage(this.#usage, found.usage);
        this.#final ||= found.final;
      }
    }
    if (!this.#strip) return;
    const bytes = this.#chunk.subarray(this.#eventStart, end);
    if (this.#held.length > 0) this.#changed = true;
    if (!this.#released && isUsageOnlyChunk(data)) {
      this.#changed = true;
    } else {
      this.#out.push(...this.#held, bytes);
    }
    this.#held = [];
    this.#heldBytes = 0;
    this.#released = false;
    this.#eventStart = end;
  }

  /** The unfinished event at the chunk's end waits for its blank line, unless too big. */
  #holdRest(): void {
    const rest = this.#chunk.subarray(this.#eventStart);
    if (rest.length === 0) return;
    if (this.#released) {
      this.#out.push(rest);
      return;
    }
    this.#changed = true;
    // Copied: the chunk's memory may be reused once transform() returns.
    this.#held.push(Buffer.from(rest));
    this.#heldBytes += rest.length;
    if (this.#heldBytes > MAX_HELD_BYTES) {
      this.#out.push(...this.#held);
      this.#held = [];
      this.#heldBytes = 0;
      this.#released = true;
    }
  }
}

/** An event's data as JSON, or undefined (`[DONE]`, keep-alives, anything not JSON). */
function parseData(data: string): unknown {
  if (data === '' || data === '[DONE]') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
