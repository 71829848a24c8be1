// Reads a JSONL audit file from its end towards its start, one complete line at a time, so the
// newest records cost the least no matter how large the file has grown. Memory is bounded by
// one chunk plus one line: a run longer than MAX_LINE_BYTES without a newline (a damaged file)
// is skipped rather than buffered.
//
// A position is `<inode>:<offset of a line start>`. The inode makes a cursor from before a
// logrotate rename fail loudly instead of reading the new file from an unrelated offset.
import { open, type FileHandle } from 'node:fs/promises';
import { InvalidCursorError, type AuditEntry, type AuditSource } from './audit-source.ts';

const CHUNK_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export class FileAuditSource implements AuditSource {
  readonly key: string;
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
    this.key = `file:${path}`;
  }

  async *entriesBefore(position: string | null): AsyncGenerator<AuditEntry> {
    let handle: FileHandle;
    try {
      handle = await open(this.#path, 'r');
    } catch (err) {
      // No file yet: nothing has been audited since the sink was configured.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (position !== null) throw new InvalidCursorError('the audit file no longer exists; start again without a cursor');
      return;
    }
    try {
      const stats = await handle.stat({ bigint: true });
      const inode = stats.ino.toString();
      const end = position === null ? Number(stats.size) : await cursorOffset(handle, position, inode, Number(stats.size));
      for await (const { start, line } of completeLinesBefore(handle, end)) {
        yield { position: `${inode}:${start}`, line };
      }
    } finally {
      await handle.close();
    }
  }
}

async function cursorOffset(handle: FileHandle, position: string, inode: string, size: number): Promise<number> {
  const m = /^(\d+):(\d+)$/.exec(position);
  if (m === null) throw new InvalidCursorError('malformed cursor');
  if (m[1] !== inode) throw new InvalidCursorError('the audit file was rotated since this cursor was issued; start again without a cursor');
  const offset = Number(m[2]);
  if (offset > size) throw new InvalidCursorError('the audit file was truncated since this cursor was issued; start again without a cursor');
  if (offset > 0) {
    const before = Buffer.alloc(1);
    await handle.read(before, 0, 1, offset - 1);
    if (before[0] !== NEWLINE) throw new InvalidCursorError('the cursor does not point at the start of an audit line');
  }
  return offset;
}

/**
 * Lines wholly inside [0, end) and ended by a newline, newest first. Bytes after the last
 * newline are a line still being written and are not returned.
 */
async function* completeLinesBefore(handle: FileHandle, end: number): AsyncGenerator<{ start: number; line: string }> {
  let pos = end;
  // Absolute offset of the newline ending the line being assembled; null until one is seen.
  let lineEnd: number | null = null;
  // Bytes [pos, lineEnd) not yet returned.
  let carry = Buffer.alloc(0);
  let skipping = false;

  while (pos > 0) {
    const size = Math.min(CHUNK_BYTES, pos);
    pos -= size;
    const chunk = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(chunk, 0, size, pos);
    if (bytesRead !== size) throw new Error(`audit file shrank while being read (at byte ${pos})`);
    const buf = carry.length === 0 ? chunk : Buffer.concat([chunk, carry]);
    let i = buf.length - 1;
    while (i >= 0) {
      const at = buf.lastIndexOf(NEWLINE, i);
      if (at === -1) break;
      if (lineEnd !== null && !skipping && pos + at + 1 < lineEnd) {
        yield { start: pos + at + 1, line: buf.toString('utf8', at + 1, lineEnd - pos) };
      }
      skipping = false;
      lineEnd = pos + at;
      i = at - 1;
    }
    carry = lineEnd === null || skipping ? Buffer.alloc(0) : buf.subarray(0, lineEnd - pos);
    if (carry.length > MAX_LINE_BYTES) {
      skipping = true;
      carry = Buffer.alloc(0);
    }
  }
  if (lineEnd !== null && !skipping && lineEnd > 0) yield { start: 0, line: carry.toString('utf8') };
}
