import { describe, expect, it } from 'vitest';
import type { CompiledWhen, DecideContext } from './types.ts';
import { compileWhen, type WhenProblem, type WhenSpec } from './when.ts';

function when(spec: WhenSpec): CompiledWhen {
  const problems: WhenProblem[] = [];
  const compiled = compileWhen(spec, problems);
  expect(problems).toEqual([]);
  if (compiled === null) throw new Error('expected a condition');
  return compiled;
}

function at(iso: string, flags: Record<string, boolean> = {}): DecideContext {
  return { now: Date.parse(iso), flag: (name) => flags[name] === true };
}

describe('compileWhen: schedule', () => {
  const office = when({ schedule: { days: ['mon-fri'], hours: '08:00-18:00', tz: 'Europe/Berlin' } });

  it.each([
    ['2026-01-05T07:30:00Z', 'Mon 08:30 CET', null],
    ['2026-01-05T06:59:00Z', 'Mon 07:59 CET', 'outside schedule mon-fri 08:00-18:00 Europe/Berlin'],
    ['2026-01-05T16:59:00Z', 'Mon 17:59 CET', null],
    ['2026-01-05T17:00:00Z', 'Mon 18:00 CET: the end is exclusive', 'outside schedule mon-fri 08:00-18:00 Europe/Berlin'],
    ['2026-01-10T10:00:00Z', 'Sat 11:00 CET', 'outside schedule mon-fri 08:00-18:00 Europe/Berlin'],
    ['2026-03-27T06:30:00Z', 'Fri 07:30 CET, before the DST switch', 'outside schedule mon-fri 08:00-18:00 Europe/Berlin'],
    ['2026-03-30T06:30:00Z', 'Mon 08:30 CEST, after the DST switch', null],
    ['2026-07-06T16:30:00Z', 'Mon 18:30 CEST', 'outside schedule mon-fri 08:00-18:00 Europe/Berlin'],
  ])('%s (%s)', (iso, _local, failing) => {
    expect(office.failing(at(iso))).toBe(failing);
  });

  it('never opens a window inside the hour that spring-forward skips', () => {
    const skipped = when({ schedule: { hours: '02:00-03:00', tz: 'Europe/Berlin' } });
    expect(skipped.failing(at('2026-03-22T01:30:00Z'))).toBeNull();
    expect(skipped.failing(at('2026-03-29T00:59:00Z'))).not.toBeNull();
    expect(skipped.failing(at('2026-03-29T01:00:00Z'))).not.toBeNull();
  });

  it('runs an overnight range into the next morning, counted on the day it started', () => {
    const fridayNight = when({ schedule: { days: ['fri'], hours: '22:00-06:00' } });
    expect(fridayNight.failing(at('2026-01-09T23:00:00Z'))).toBeNull();
    expect(fridayNight.failing(at('2026-01-10T05:59:00Z'))).toBeNull();
    expect(fridayNight.failing(at('2026-01-10T06:00:00Z'))).not.toBeNull();
    expect(fridayNight.failing(at('2026-01-10T23:00:00Z'))).not.toBeNull();
    expect(fridayNight.failing(at('2026-01-09T05:00:00Z'))).not.toBeNull();
  });

  it('takes day lists, wrapping ranges, 24:00 and UTC by default', () => {
    const weekend = when({ schedule: { days: ['fri-mon'], hours: '12:00-24:00' } });
    expect(weekend.text).toBe('schedule fri-mon 12:00-24:00 UTC');
    expect(weekend.failing(at('2026-01-11T23:59:00Z'))).toBeNull();
    expect(weekend.failing(at('2026-01-05T13:00:00Z'))).toBeNull();
    expect(weekend.failing(at('2026-01-06T13:00:00Z'))).toBe('outside schedule fri-mon 12:00-24:00 UTC');
    const days = when({ schedule: { days: ['tue', 'SUN'] } });
    expect(days.failing(at('2026-01-06T00:00:00Z'))).toBeNull();
    expect(days.failing(at('2026-01-11T00:00:00Z'))).toBeNull();
    expect(days.failing(at('2026-01-07T00:00:00Z'))).not.toBeNull();
  });
});

describe('compileWhen: flags', () => {
  it('names the first flag that does not have its value', () => {
    const freeze = when({ flags: { freeze: true, incident: false } });
    expect(freeze.text).toBe('flags.freeze=true and flags.incident=false');
    expect(freeze.failing(at('2026-01-05T00:00:00Z', { freeze: true }))).toBeNull();
    expect(freeze.failing(at('2026-01-05T00:00:00Z'))).toBe('flags.freeze must be true');
    expect(freeze.failing(at('2026-01-05T00:00:00Z', { freeze: true, incident: true }))).toBe('flags.incident must be false');
  });

  it('checks flags and schedule together', () => {
    const both = when({ flags: { freeze: true }, schedule: { hours: '08:00-18:00' } });
    expect(both.failing(at('2026-01-05T09:00:00Z', { freeze: true }))).toBeNull();
    expect(both.failing(at('2026-01-05T19:00:00Z', { freeze: true }))).toBe('outside schedule 08:00-18:00 UTC');
  });

  it('compiles an empty when to no condition', () => {
    expect(compileWhen({}, [])).toBeNull();
  });
});

describe('compileWhen: problems', () => {
  it.each([
    [{ days: ['mon', 'funday'] }, ['schedule', 'days', 1], "bad day 'funday'"],
    [{ days: ['mon-fri-sat'] }, ['schedule', 'days', 0], "bad day 'mon-fri-sat'"],
    [{ days: [] }, ['schedule', 'days'], 'days is empty'],
    [{ hours: '25:00-26:00' }, ['schedule', 'hours'], "bad hours '25:00-26:00'"],
    [{ hours: '08:60-09:00' }, ['schedule', 'hours'], "bad hours '08:60-09:00'"],
    [{ hours: '08:00-08:00' }, ['schedule', 'hours'], 'start ≠ end'],
    [{ hours: '00:00-24:00', tz: 'Mars/Olympus' }, ['schedule', 'tz'], "unknown time zone 'Mars/Olympus'"],
  ])('%j', (schedule, path, message) => {
    const problems: WhenProblem[] = [];
    compileWhen({ schedule }, problems);
    expect(problems).toEqual([{ at: path, message: expect.stringContaining(message) }]);
  });
});
