// Where `GET /v1/audit` reads records: a JSONL file sink or a Redis Stream sink, behind one
// small interface so the query (filters, cursor, work bound) is written once.

export interface AuditEntry {
  /** Where this entry starts; `entriesBefore(position)` continues with the next older one. */
  readonly position: string;
  /** One sealed audit line (unparsed: the query decides what to do with a damaged one). */
  readonly line: string;
}

export interface AuditSource {
  /** Names the source inside cursors, so a cursor is never replayed against another source. */
  readonly key: string;
  /**
   * Complete entries strictly older than `position` (null: from the newest), newest first.
   * Throws InvalidCursorError when `position` cannot belong to this source (any more).
   */
  entriesBefore(position: string | null): AsyncIterable<AuditEntry>;
}

export class InvalidCursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCursorError';
  }
}
