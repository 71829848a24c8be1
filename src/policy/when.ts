// A rule's `when` (SPEC §4): run-time flags and a weekly schedule in an IANA time zone.
//
// Schedule semantics:
// - `days`: names `mon`..`sun` or ranges `mon-fri`; a range may wrap (`fri-mon` = fri, sat, sun, mon).
// - `hours`: `HH:MM-HH:MM` on the local wall clock, start inclusive, end exclusive; `24:00` is
//   allowed as an end. A range whose end is before its start runs overnight (`22:00-06:00`), and
//   its after-midnight part belongs to the day it started on: `days: [fri]` with `22:00-06:00`
//   is Friday 22:00 to Saturday 06:00.
// - `tz` defaults to UTC. Local time comes from Intl, so DST shifts follow the zone's rules
//   (a spring-forward hour that does not exist is simply never inside the window).
import type { KeyPath } from '../config/issues.ts';
import type { ScheduleSpec } from '../config/schema.ts';
import type { CompiledWhen, DecideContext } from './types.ts';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_INDEX: ReadonlyMap<string, number> = new Map(DAY_NAMES.map((name, i) => [name, i]));
const MINUTES_PER_DAY = 1_440;

export interface WhenSpec {
  readonly schedule?: ScheduleSpec;
  readonly flags?: Record<string, boolean>;
}

/** A problem found while compiling, located relative to the `when` key. */
export interface WhenProblem {
  readonly at: KeyPath;
  readonly message: string;
}

interface LocalTime {
  readonly day: number;
  readonly minute: number;
}

type Clock = (now: number) => LocalTime;
const clocks = new Map<string, Clock>();

/**
 * Day of week and minute of day in one zone; null for an unknown zone. One DateTimeFormat per
 * zone, shared by every rule that names it (building one costs far more than using it).
 */
function clockFor(tz: string): Clock | null {
  const known = clocks.get(tz);
  if (known !== undefined) return known;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    });
  } catch {
    return null;
  }
  // Requests arrive many per minute; formatting once per minute keeps Intl off the hot path.
  let cachedMinute = Number.NaN;
  let cached: LocalTime = { day: 0, minute: 0 };
  const clock: Clock = (now) => {
    const minute = Math.floor(now / 60_000);
    if (minute === cachedMinute) return cached;
    let day = 0;
    let hour = 0;
    let min = 0;
    for (const part of format.formatToParts(now)) {
      if (part.type === 'weekday') day = DAY_INDEX.get(part.value.slice(0, 3).toLowerCase()) ?? 0;
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') min = Number(part.value);
    }
    cachedMinute = minute;
    cached = { day, minute: hour * 60 + min };
    return cached;
  };
  clocks.set(tz, clock);
  return clock;
}

function parseDays(days: readonly string[], problems: WhenProblem[]): Set<number> | null {
  if (days.length === 0) {
    problems.push({ at: ['schedule', 'days'], message: 'days is empty: list days like [mon-fri] or omit days for every day' });
    return null;
  }
  const set = new Set<number>();
  for (const [i, entry] of days.entries()) {
    const ends = entry.toLowerCase().split('-');
    const start = ends.length <= 2 ? DAY_INDEX.get(ends[0] as string) : undefined;
    const end = DAY_INDEX.get(ends[1] ?? (ends[0] as string));
    if (start === undefined || end === undefined) {
      problems.push({ at: ['schedule', 'days', i], message: `bad day '${entry}': use mon..sun or a range like mon-fri` });
      continue;
    }
    for (let d = start; ; d = (d + 1) % 7) {
      set.add(d);
      if (d === end) break;
    }
  }
  return set;
}

function parseClock(text: string, allowEndOfDay: boolean): number | null {
  const m = /^([0-9]{2}):([0-9]{2})$/.exec(text);
  if (m === null) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59) return null;
  return minutes < MINUTES_PER_DAY || (allowEndOfDay && minutes === MINUTES_PER_DAY) ? minutes : null;
}

function parseHours(hours: string, problems: WhenProblem[]): { start: number; end: number } | null {
  const [from = '', to = ''] = hours.split('-');
  const start = parseClock(from, false);
  const end = parseClock(to, true);
  if (start === null || end === null || start === end) {
    problems.push({
      at: ['schedule', 'hours'],
      message: `bad hours '${hours}': use HH:MM-HH:MM with 00:00..23:59 (end may be 24:00) and start ≠ end`,
    });
    return null;
  }
  return { start, end };
}

function scheduleTest(spec: ScheduleSpec, problems: WhenProblem[]): ((now: number) => boolean) | null {
  const count = problems.length;
  const days = spec.days === undefined ? null : parseDays(spec.days, problems);
  const hours = spec.hours === undefined ? null : parseHours(spec.hours, problems);
  const tz = spec.tz ?? 'UTC';
  const clock = clockFor(tz);
  if (clock === null) problems.push({ at: ['schedule', 'tz'], message: `unknown time zone '${tz}' (use an IANA name like Europe/Berlin)` });
  if (clock === null || problems.length > count) return null;

  return (now) => {
    const { day, minute } = clock(now);
    if (hours === null) return days === null || days.has(day);
    if (hours.start < hours.end) return minute >= hours.start && minute < hours.end && (days === null || days.has(day));
    if (minute >= hours.start) return days === null || days.has(day);
    return minute < hours.end && (days === null || days.has((day + 6) % 7));
  };
}

/** Compiles a `when`; problems are pushed with key paths relative to `when`. */
export function compileWhen(spec: WhenSpec, problems: WhenProblem[]): CompiledWhen | null {
  const flags = Object.entries(spec.flags ?? {});
  const schedule = spec.schedule === undefined ? null : scheduleTest(spec.schedule, problems);
  const parts = flags.map(([name, value]) => `flags.${name}=${value}`);
  let scheduleText = '';
  if (spec.schedule !== undefined) {
    const { days, hours, tz = 'UTC' } = spec.schedule;
    scheduleText = ['schedule', days?.join(','), hours, tz].filter((p) => p !== undefined).join(' ');
    parts.push(scheduleText);
  }
  if (parts.length === 0) return null;

  const outside = `outside ${scheduleText}`;
  const checks = flags.map(([name, value]) => ({ name, value, failure: `flags.${name} must be ${value}` }));
  return Object.freeze({
    text: parts.join(' and '),
    failing(ctx: DecideContext): string | null {
      for (const check of checks) if (ctx.flag(check.name) !== check.value) return check.failure;
      if (schedule !== null && !schedule(ctx.now)) return outside;
      return null;
    },
  });
}
