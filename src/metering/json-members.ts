// Picks chosen members of a top-level JSON object out of a body as it streams past, holding
// only those members' bytes. A completion's `usage` comes at the end of its body, and an
// embeddings body can run to tens of megabytes before it; buffering the body to JSON.parse
// it would cost that much memory per request.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const STRUCTURAL = new Uint8Array(256);
for (const byte of [QUOTE, COLON, COMMA, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY]) STRUCTURAL[byte] = 1;
/** Longer keys are never wanted, and longer values (a `usage` object is ~300 bytes) are dropped. */
const MAX_KEY_BYTES = 64;
const MAX_MEMBER_BYTES = 1024 * 1024;

type Phase = 'before' | 'key' | 'colon' | 'value' | 'done';

export class JsonMemberReader {
  readonly #wanted: ReadonlySet<string>;
  readonly #found = new Map<string, unknown>();
  #phase: Phase = 'before';
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Bytes of the key being read, or of the wanted value being captured, across chunks. */
  #parts: Buffer[] = [];
  #partBytes = 0;
  #key: string | null = null;
  #capturing = false;

  constructor(wanted: readonly string[]) {
    this.#wanted = new Set(wanted);
  }

  push(chunk: Buffer): void {
    if (this.#phase === 'done') return;
    // Where in this chunk the key or value being collected started.
    let mark = this.#capturing || (this.#phase === 'key' && this.#inString) ? 0 : -1;
    let depth = this.#depth;
    let i = 0;
    const length = chunk.length;
    while (i < length) {
      if (this.#inString) {
        const close = closingQuote(chunk, i, this.#escaped);
        if (close === -1) {
          this.#escaped = endsEscaped(chunk, i, this.#escaped);
          break;
        }
        this.#inString = false;
        this.#escaped = false;
        if (depth === 1 && this.#phase === 'key') {
          this.#collect(chunk, mark, close);
          this.#key = this.#take().toString('utf8');
          this.#phase = 'colon';
          mark = -1;
        }
        i = close + 1;
        continue;
      }
      // Numbers, literals and whitespace (most of an embeddings body) change nothing.
      while (i < length && !STRUCTURAL[chunk[i]!]) i++;
      if (i === length) break;
      const byte = chunk[i]!;
      if (byte === QUOTE) {
        this.#inString = true;
        if (depth === 1 && this.#phase === 'key') mark = i + 1;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        if (depth === 0) this.#phase = byte === OPEN_OBJECT ? 'key' : 'done';
        depth++;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) {
          this.#endValue(chunk, mark, i);
          this.#phase = 'done';
        }
      } else if (depth === 1 && byte === COLON && this.#phase === 'colon') {
        this.#phase = 'value';
        this.#capturing = this.#key !== null && this.#wanted.has(this.#key);
        mark = this.#capturing ? i + 1 : -1;
      } else if (depth === 1 && byte === COMMA) {
        this.#endValue(chunk, mark, i);
        this.#phase = 'key';
        mark = -1;
      }
      if (this.#phase === 'done') {
        this.#depth = depth;
        return;
      }
      i++;
    }
    this.#depth = depth;
    if (mark !== -1) this.#collect(chunk, mark, length);
  }

  /** The parsed value of a wanted member, or undefined when it was absent or unreadable. */
  get(name: string): unknown {
    return this.#found.get(name);
  }

  #endValue(chunk: Buffer, mark: number, end: number): void {
    if (this.#capturing) {
      this.#collect(chunk, mark, end);
      try {
        this.#found.set(this.#key!, JSON.parse(this.#take().toString('utf8')));
      } catch {
        // A value cut short by the size bound, or a malformed body: treated as absent.
      }
    }
    this.#capturing = false;
    this.#key = null;
    this.#parts = [];
    this.#partBytes = 0;
  }

  #collect(chunk: Buffer, from: number, to: number): void {
    if (from < 0 || to <= from) return;
    const limit = this.#phase === 'key' ? MAX_KEY_BYTES : MAX_MEMBER_BYTES;
    if (this.#partBytes + (to - from) > limit) {
      // Over the bound: keep a marker byte past it so the result can never parse or match.
      this.#parts = [Buffer.from('\u0000')];
      this.#partBytes = limit + 1;
      return;
    }
    // Copied: the chunk's memory may be reused once push() returns.
    this.#parts.push(Buffer.from(chunk.subarray(from, to)));
    this.#partBytes += to - from;
  }

  #take(): Buffer {
    const bytes = Buffer.concat(this.#parts);
    this.#parts = [];
    this.#partBytes = 0;
    return bytes;
  }
}

/** The quote that ends the string being read from `from`, or -1 when it is not in this chunk. */
function closingQuote(chunk: Buffer, from: number, escaped: boolean): number {
  let at = from;
  if (escaped) {
    if (at >= chunk.length) return -1;
    at++;
  }
  for (;;) {
    const quote = chunk.indexOf(QUOTE, at);
    if (quote === -1) return -1;
    // A quote is escaped by an odd run of backslashes before it (within this string's bytes).
    let slashes = 0;
    for (let j = quote - 1; j >= at && chunk[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** Whether the chunk ends inside an escape: an odd run of trailing backslashes. */
function endsEscaped(chunk: Buffer, from: number, escaped: boolean): boolean {
  let at = from;
  if (escaped) {
    if (at >= chunk.length) return true;
    at++;
  }
  let slashes = 0;
  for (let j = chunk.length - 1; j >= at && chunk[j] === BACKSLASH; j--) slashes++;
  return slashes % 2 === 1;
}
