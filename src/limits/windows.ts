// Calendar windows of a budget (SPEC §5): hour, day, week (from Monday) or month in the
// budget's IANA time zone, computed from an injected `now`. Boundaries are local wall-clock
// midnights, so a Europe/Berlin "day" across a DST change is 23 or 25 hours long.
//
// The only time-zone source is Intl: `offsetAt` reads the zone's UTC offset at an instant, and
// `instantOf` turns a local wall time back into an instant the way Temporal's `compatible`
// disambiguation does: a repeated wall time (fall back) is its EARLIER instant, a skipped one
// (spring forward, e.g. a midnight that never happens) is the instant the clocks jumped to.
import type { CompiledBudget } from '../config/compiled.ts';

export type WindowPer = CompiledBudget['per'];

export interface BudgetWindow {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive: the next window's start, i.e. the reset time. */
  readonly end: number;
  /** Both as ISO strings, made once per window (key names and `resets_at` need them per request). */
  readonly startIso: string;
  readonly endIso: string;
}

function windowOf(start: number, end: number): BudgetWindow {
  return { start, end, startIso: new Date(start).toISOString(), endIso: new Date(end).toISOString() };
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, formatter);
  }
  return formatter;
}

function wallTimeAt(instant: number, tz: string): WallTime {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterOf(tz).formatToParts(instant)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  return fields;
}

/** The wall time as if it were UTC: local time arithmetic on plain epoch numbers. */
function wallMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's UTC offset at `instant` (ms, east positive), to the second as Intl reports it. */
function offsetAt(instant: number, tz: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallMs(wallTimeAt(whole, tz)) - whole;
}

/** The instant of a local wall time (given as `wallMs`), `compatible` disambiguation. */
function instantOf(wall: number, tz: string): number {
  // The offsets in force a day either side bracket any transition near this wall time.
  const before = wall - offsetAt(wall - DAY_MS, tz);
  const after = wall - offsetAt(wall + DAY_MS, tz);
  const beforeValid = before + offsetAt(before, tz) === wall;
  const afterValid = after + offsetAt(after, tz) === wall;
  if (beforeValid && afterValid) return Math.min(before, after);
  if (afterValid) return after;
  // Valid under the old offset only, or in a gap: the old offset maps a skipped wall time
  // to the instant the clocks jumped forward to.
  return before;
}

function localDay(year: number, month: number, day: number, tz: string): number {
  return instantOf(Date.UTC(year, month - 1, day), tz);
}

/** Hours are real hours: floor `now` to the zone's whole local hour; end at the next one. */
function hourWindow(now: number, tz: string): BudgetWindow {
  const w = wallTimeAt(now, tz);
  const start = Math.floor(now / 1000) * 1000 - (w.minute * MINUTE_MS + w.second * 1000);
  let end = start + HOUR_MS;
  // An offset change by a fraction of an hour (Australia/Lord_Howe: 30 min) inside the hour:
  // end on the next local whole hour instead.
  const atEnd = wallTimeAt(end, tz);
  if (atEnd.minute !== 0) end -= atEnd.minute * MINUTE_MS;
  return windowOf(start, end);
}

function computeWindow(per: WindowPer, tz: string, now: number): BudgetWindow {
  if (per === 'hour') return hourWindow(now, tz);
  const w = wallTimeAt(now, tz);
  if (per === 'month') {
    return windowOf(localDay(w.year, w.month, 1, tz), localDay(w.year, w.month + 1, 1, tz));
  }
  let firstDay = w.day;
  let days = 1;
  if (per === 'week') {
    const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    firstDay = w.day - ((weekday + 6) % 7);
    days = 7;
  }
  // Date.UTC normalises day 0 or day 32 into the neighbouring month.
  return windowOf(localDay(w.year, w.month, firstDay, tz), localDay(w.year, w.month, firstDay + days, tz));
}

// Every request asks for the window of every budget that applies; while `now` stays inside the
// last window computed for a (per, tz) pair, that one is reused instead of asking Intl again.
// Bounded by the (per, tz) pairs the config names.
const lastWindow = new Map<string, BudgetWindow>();

/** The calendar window containing `now` for a budget reset every `per` in zone `tz`. */
export function budgetWindow(per: WindowPer, tz: string, now: number): BudgetWindow {
  const cacheKey = `${per} ${tz}`;
  const cached = lastWindow.get(cacheKey);
  if (cached !== undefined && now >= cached.start && now < cached.end) return cached;
  const window = computeWindow(per, tz, now);
  lastWindow.set(cacheKey, window);
  return window;
}
