// Meters an SSE response as it streams, and, when the gateway added
// `stream_options.include_usage` on the agent's behalf, removes what that added — the
// usage-only chunk, and the `"usage":null` member of every other chunk — so the agent's client
// sees exactly the stream it asked for.
//
// Stripping holds back the bytes of the event in progress until its blank line shows whether
// it is that chunk. The agent loses no time by it: an SSE client dispatches an event only at
// its blank line anyway. An event that outgrows MAX_HELD_BYTES cannot be the small usage
// chunk and is released as it comes.
import { hasNullUsage, isUsageOnlyChunk } from './openai.ts';
import type { UsageReader } from './provider.ts';
import { SseParser, type SseEvent } from './sse.ts';
import { mergeUsage, type Usage } from './usage.ts';

export const MAX_HELD_BYTES = 64 * 1024;

const USAGE_KEY = Buffer.from('"usage"');
const NULL_USAGE_MEMBERS = [Buffer.from(',"usage":null'), Buffer.from('"usage":null,')];

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
    const nullUsage = this.#released || !hasNullUsage(data) ? null : withoutNullUsage(Buffer.concat([...this.#held, bytes]));
    if (!this.#released && isUsageOnlyChunk(data)) {
      this.#changed = true;
    } else if (nullUsage !== null) {
      this.#changed = true;
      this.#out.push(nullUsage);
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

/**
 * The event without its chunk's `"usage":null` member, cut from the raw bytes so every other
 * byte stays as the upstream sent it; null when it cannot be cut cleanly (spaced JSON, or a
 * second `"usage"` key that makes the top-level one ambiguous), and the event goes as it is.
 */
function withoutNullUsage(event: Buffer): Buffer | null {
  const first = event.indexOf(USAGE_KEY);
  if (first === -1 || event.indexOf(USAGE_KEY, first + 1) !== -1) return null;
  for (const member of NULL_USAGE_MEMBERS) {
    const at = event.indexOf(member);
    if (at !== -1) return Buffer.concat([event.subarray(0, at), event.subarray(at + member.length)]);
  }
  return null;
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
