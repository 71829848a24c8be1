// Parsers for the small value languages of the config (SPEC §4). The schema has already
// checked the shape with the same patterns; these turn a checked string into numbers once,
// at compile time.
import { DURATION_PATTERN, RATE_PATTERN } from './schema.ts';

const DURATION_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const RATE_PERIOD_MS = { s: 1_000, min: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const durationRe = new RegExp(DURATION_PATTERN);
const rateRe = new RegExp(RATE_PATTERN);

/** `500ms`, `60s`, `10m`, `2h`, `1d` → milliseconds. Throws on anything else. */
export function parseDuration(text: string): number {
  const m = durationRe.exec(text);
  if (!m) throw new Error(`invalid duration '${text}' (use 500ms, 60s, 10m, 2h or 1d)`);
  const unit = m[1] as keyof typeof DURATION_MS;
  return Number(text.slice(0, text.length - unit.length)) * DURATION_MS[unit];
}

export interface Rate {
  /** At most `limit` requests in any window of `periodMs` (a burst of `limit` allowed). */
  readonly limit: number;
  readonly periodMs: number;
  /** As written, for messages and audit. */
  readonly text: string;
}

/** `N/s|min|hour|day` → { limit, periodMs }. Throws on anything else. */
export function parseRate(text: string): Rate {
  const m = rateRe.exec(text);
  if (!m) throw new Error(`invalid rate '${text}' (use N/s, N/min, N/hour or N/day with N ≥ 1)`);
  const unit = m[1] as keyof typeof RATE_PERIOD_MS;
  return { limit: Number(text.slice(0, text.indexOf('/'))), periodMs: RATE_PERIOD_MS[unit], text };
}
