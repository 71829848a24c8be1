// `GET /v1/audit?agent=&decision=&code=&since=&until=&limit=&cursor=` (SPEC §7): newest first,
// one page at a time behind an opaque cursor.
//
// Bounded work per request: at most MAX_SCAN_RECORDS entries or MAX_SCAN_BYTES of lines are
// examined. When a narrow filter reaches that bound before filling the page, the page comes
// back short with a `next_cursor` that resumes the scan where it stopped; `next_cursor: null`
// means there is nothing older that matches.
//
// `since` also ends the scan early. Records are appended when a request completes (ts +
// duration_ms), so once a record completed more than SINCE_SLACK_MS before `since`, every
// older line completed before it and started earlier still. The slack absorbs clock skew
// between writers and the jitter of concurrent appends.
import { isDenyCode } from '../errors.ts';
import { parseInstant } from '../cli/args.ts';
import { badRequest } from './admin-error.ts';
import { InvalidCursorError, type AuditSource } from './audit-source.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
export const MAX_SCAN_RECORDS = 20_000;
export const MAX_SCAN_BYTES = 32 * 1024 * 1024;
const SINCE_SLACK_MS = 60_000;
const DECISIONS = ['allow', 'deny', 'report'];

export interface AuditQuery {
  readonly agent: string | null;
  readonly decision: string | null;
  readonly code: string | null;
  readonly since: number | null;
  readonly until: number | null;
  readonly limit: number;
  readonly cursor: string | null;
}

export interface AuditPage {
  /** Parsed records, newest first, exactly as sealed (hash included). */
  readonly records: readonly Record<string, unknown>[];
  /** Pass back as `cursor` for the next page; null when the scan reached the end. */
  readonly next_cursor: string | null;
  /** Entries examined for this page (matching or not). */
  readonly scanned: number;
  /** Lines that were not a JSON object (damaged or foreign), skipped. */
  readonly unreadable: number;
}

export const AUDIT_QUERY_PARAMS = ['agent', 'decision', 'code', 'since', 'until', 'limit', 'cursor'] as const;

/** `params` has only AUDIT_QUERY_PARAMS, each at most once (the router checked). */
export function parseAuditQuery(params: ReadonlyMap<string, string>): AuditQuery {
  const text = (name: string): string | null => {
    const value = params.get(name);
    if (value === '') throw badRequest('invalid_query', `query parameter '${name}' must not be empty`);
    return value ?? null;
  };
  const decision = text('decision');
  if (decision !== null && !DECISIONS.includes(decision)) {
    throw badRequest('invalid_query', `decision must be one of ${DECISIONS.join(', ')}, not '${decision}'`);
  }
  const code = text('code');
  if (code !== null && code !== 'ok' && !isDenyCode(code)) {
    throw badRequest('invalid_query', `code '${code}' is not a decision code (ok, or a deny code such as no_matching_rule)`);
  }
  const since = instant(text('since'), 'since');
  const until = instant(text('until'), 'until');
  if (since !== null && until !== null && since > until) throw badRequest('invalid_query', 'since is later than until');
  const limitText = text('limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== null) {
    if (!/^\d{1,7}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
      throw badRequest('invalid_query', `limit must be an integer from 1 to ${MAX_LIMIT}, not '${limitText}'`);
    }
    limit = Number(limitText);
  }
  return { agent: text('agent'), decision, code, since, until, limit, cursor: text('cursor') };
}

function instant(text: string | null, name: string): number | null {
  if (text === null) return null;
  const ms = parseInstant(text);
  if (ms === null) throw badRequest('invalid_query', `${name} must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, not '${text}'`);
  return ms;
}

export async function queryAudit(source: AuditSource, query: AuditQuery): Promise<AuditPage> {
  const start = query.cursor === null ? null : decodeCursor(source, query.cursor);
  const records: Record<string, unknown>[] = [];
  let scanned = 0;
  let bytes = 0;
  let unreadable = 0;
  try {
    for await (const entry of source.entriesBefore(start)) {
      scanned++;
      bytes += entry.line.length;
      const record = parseRecord(entry.line);
      if (record === null) {
        unreadable++;
      } else {
        if (query.since !== null && completedAt(record) < query.since - SINCE_SLACK_MS) {
          return { records, next_cursor: null, scanned, unreadable };
        }
        if (matches(record, query)) records.push(record);
      }
      if (records.length === query.limit || scanned >= MAX_SCAN_RECORDS || bytes >= MAX_SCAN_BYTES) {
        return { records, next_cursor: encodeCursor(source, entry.position), scanned, unreadable };
      }
    }
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badRequest('invalid_cursor', err.message);
    throw err;
  }
  return { records, next_cursor: null, scanned, unreadable };
}

function parseRecord(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

function timeOf(record: Record<string, unknown>): number {
  return typeof record['ts'] === 'string' ? Date.parse(record['ts']) : Number.NaN;
}

function completedAt(record: Record<string, unknown>): number {
  const duration = record['duration_ms'];
  return timeOf(record) + (typeof duration === 'number' ? duration : 0);
}

function matches(record: Record<string, unknown>, query: AuditQuery): boolean {
  if (query.agent !== null && record['agent'] !== query.agent) return false;
  if (query.decision !== null && record['decision'] !== query.decision) return false;
  if (query.code !== null && record['code'] !== query.code) return false;
  if (query.since === null && query.until === null) return true;
  const ts = timeOf(record);
  if (Number.isNaN(ts)) return false;
  return (query.since === null || ts >= query.since) && (query.until === null || ts <= query.until);
}

// The cursor is opaque to clients; inside it names its source, so one issued for the file
// sink is refused after the config switched to the Redis Stream (and the reverse).
function encodeCursor(source: AuditSource, position: string): string {
  return Buffer.from(JSON.stringify([source.key, position]), 'utf8').toString('base64url');
}

function decodeCursor(source: AuditSource, cursor: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid_cursor', 'malformed cursor');
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[1] !== 'string') {
    throw badRequest('invalid_cursor', 'malformed cursor');
  }
  if (decoded[0] !== source.key) throw badRequest('invalid_cursor', 'the cursor belongs to another audit source; start again without a cursor');
  return decoded[1];
}
