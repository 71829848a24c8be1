// FIFO of audit lines with a hard bound in lines and bytes. A batch is peeked, delivered, and
// only then removed, so a line leaves the queue once its destination has it (at-least-once).

export interface QueueBound {
  readonly maxLines: number;
  readonly maxBytes: number;
}

export class BoundedQueue {
  readonly #bound: QueueBound;
  #lines: string[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;

  constructor(bound: QueueBound) {
    this.#bound = bound;
  }

  get length(): number {
    return this.#lines.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get full(): boolean {
    return this.length >= this.#bound.maxLines || this.#bytes >= this.#bound.maxBytes;
  }

  /** Appends the line unless that would cross the bound; false means it was not queued. */
  offer(line: string): boolean {
    // +1: the newline the stream sinks add, so the byte bound matches what they write.
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (this.length + 1 > this.#bound.maxLines || this.#bytes + size > this.#bound.maxBytes) return false;
    this.#lines.push(line);
    this.#sizes.push(size);
    this.#bytes += size;
    return true;
  }

  /** The oldest lines, at most maxLines of them and maxBytes in all (but always one, if any). */
  peek(maxLines: number, maxBytes: number): string[] {
    const end = Math.min(this.#lines.length, this.#head + maxLines);
    let i = this.#head;
    let bytes = 0;
    while (i < end && (i === this.#head || bytes + this.#sizes[i]! <= maxBytes)) bytes += this.#sizes[i++]!;
    return this.#lines.slice(this.#head, i);
  }

  /** Removes the n oldest lines (a delivered batch). */
  remove(n: number): void {
    const end = Math.min(this.#lines.length, this.#head + n);
    for (let i = this.#head; i < end; i++) this.#bytes -= this.#sizes[i]!;
    this.#head = end;
    // Compact now and then instead of shifting on every batch.
    if (this.#head === this.#lines.length) this.#reset();
    else if (this.#head >= 1024 && this.#head * 2 >= this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Empties the queue and returns how many lines it held. */
  clear(): number {
    const n = this.length;
    this.#reset();
    return n;
  }

  #reset(): void {
    this.#lines = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
