// Incremental text/event-stream parser over raw bytes, after the WHATWG HTML "event stream
// interpretation" rules (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
//
// Not `eventsource-parser`: it takes decoded strings and reports no byte positions, and the
// usage-chunk filter must cut one event out of the raw stream leaving every other byte as it
// was. So this parser works on Buffers and tells, at every blank line, where in the current
// chunk the event's bytes end. Lines are split on raw CR/LF bytes, which never occur inside a
// multi-byte UTF-8 sequence, so a chunk boundary inside a character is harmless: the line is
// decoded only once it is complete.

export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  readonly type: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
  /** The last `id:` seen so far in the stream (it persists across events), or ''. */
  readonly lastEventId: string;
}

/**
 * Called at every blank line: with the event it dispatches, or null when the spec dispatches
 * nothing (no `data:` line since the last blank line). `end` is the offset in the chunk being
 * pushed just past the blank line's terminator (0 when called from `end()`).
 */
export type SseListener = (event: SseEvent | null, end: number) => void;

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** A longer line is dropped: its event is lost rather than the gateway's memory. */
const MAX_SSE_LINE_BYTES = 16 * 1024 * 1024;

export class SseParser {
  readonly #listener: SseListener;
  /** The bytes of a line that started in an earlier chunk. */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #overlong = false;
  /** The last chunk ended with CR: the line is complete but an LF may still belong to it. */
  #pendingCr = false;
  #firstLine = true;
  #data = '';
  #type = '';
  #lastEventId = '';

  constructor(listener: SseListener) {
    this.#listener = listener;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.#pendingCr && chunk.length > 0) {
      this.#pendingCr = false;
      start = chunk[0] === LF ? 1 : 0;
      this.#line(this.#takeCarry(), start);
    }
    while (start < chunk.length) {
      const eol = nextLineEnd(chunk, start);
      if (eol === -1) {
        this.#keep(chunk.subarray(start));
        return;
      }
      if (chunk[eol] === CR && eol + 1 === chunk.length) {
        // Which line this CR ends is known; whether the next chunk's first byte is its LF is
        // not, and that byte decides where the event's bytes end.
        this.#keep(chunk.subarray(start, eol));
        this.#pendingCr = true;
        return;
      }
      const next = chunk[eol] === CR && chunk[eol + 1] === LF ? eol + 2 : eol + 1;
      const line = this.#carryBytes > 0 || this.#overlong ? this.#concatCarry(chunk.subarray(start, eol)) : chunk.subarray(start, eol);
      this.#line(line, next);
      start = next;
    }
  }

  /** End of stream: a CR-terminated last line still counts; an unterminated event is dropped. */
  end(): void {
    if (this.#pendingCr) {
      this.#pendingCr = false;
      this.#line(this.#takeCarry(), 0);
    }
    this.#takeCarry();
    this.#data = '';
    this.#type = '';
  }

  #keep(part: Buffer): void {
    if (this.#overlong || part.length === 0) return;
    if (this.#carryBytes + part.length > MAX_SSE_LINE_BYTES) {
      this.#overlong = true;
      this.#carry = [];
      this.#carryBytes = 0;
      return;
    }
    // A copy: the caller may reuse the chunk's memory once push() returns.
    this.#carry.push(Buffer.from(part));
    this.#carryBytes += part.length;
  }

  #concatCarry(tail: Buffer): Buffer | null {
    this.#keep(tail);
    return this.#takeCarry();
  }

  /** The carried line, or null when it was too long to keep. */
  #takeCarry(): Buffer | null {
    const overlong = this.#overlong;
    const line = this.#carry.length === 1 ? this.#carry[0]! : Buffer.concat(this.#carry, this.#carryBytes);
    this.#carry = [];
    this.#carryBytes = 0;
    this.#overlong = false;
    return overlong ? null : line;
  }

  #line(bytes: Buffer | null, end: number): void {
    if (bytes === null) return;
    if (this.#firstLine) {
      this.#firstLine = false;
      // The spec's UTF-8 decode strips one leading BOM from the stream.
      if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
    }
    if (bytes.length === 0) {
      this.#dispatch(end);
      return;
    }
    const line = bytes.toString('utf8');
    if (line.charCodeAt(0) === 0x3a) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data += `${value}\n`;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      // `retry` only sets the client's reconnection delay, and other fields are ignored.
    }
  }

  #dispatch(end: number): void {
    if (this.#data === '') {
      this.#type = '';
      this.#listener(null, end);
      return;
    }
    const event: SseEvent = { type: this.#type || 'message', data: this.#data.slice(0, -1), lastEventId: this.#lastEventId };
    this.#data = '';
    this.#type = '';
    this.#listener(event, end);
  }
}

function nextLineEnd(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(LF, from);
  // Providers end lines with LF, so CR is looked for only before the next LF.
  const cr = chunk.subarray(from, lf === -1 ? chunk.length : lf).indexOf(CR);
  return cr === -1 ? lf : from + cr;
}
