import { describe, expect, it } from 'vitest';
import { budgetWindow, type WindowPer } from './windows.ts';

const HOUR = 3_600_000;

function iso(per: WindowPer, tz: string, now: string): { start: string; end: string } {
  const w = budgetWindow(per, tz, Date.parse(now));
  expect([new Date(w.start).toISOString(), new Date(w.end).toISOString()]).toEqual([w.startIso, w.endIso]);
  return { start: w.startIso, end: w.endIso };
}

describe('budgetWindow', () => {
  it('aligns UTC windows on calendar boundaries', () => {
    expect(iso('hour', 'UTC', '2026-03-10T14:35:12.345Z')).toEqual({ start: '2026-03-10T14:00:00.000Z', end: '2026-03-10T15:00:00.000Z' });
    expect(iso('day', 'UTC', '2026-03-10T23:59:59.999Z')).toEqual({ start: '2026-03-10T00:00:00.000Z', end: '2026-03-11T00:00:00.000Z' });
    expect(iso('month', 'UTC', '2026-12-31T12:00:00Z')).toEqual({ start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
  });

  it('starts weeks on Monday, also when now is a Sunday or a Monday', () => {
    // 2026-03-08 is a Sunday, 2026-03-09 a Monday.
    expect(iso('week', 'UTC', '2026-03-08T23:00:00Z')).toEqual({ start: '2026-03-02T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z' });
    expect(iso('week', 'UTC', '2026-03-09T00:00:00Z')).toEqual({ start: '2026-03-09T00:00:00.000Z', end: '2026-03-16T00:00:00.000Z' });
    // A week across a month and a year boundary.
    expect(iso('week', 'UTC', '2027-01-01T08:00:00Z')).toEqual({ start: '2026-12-28T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z' });
  });

  it('uses local midnight in the budget time zone', () => {
    // 02:00 UTC on the 10th is still the 9th in New York (EDT, UTC-4, since 8 March 2026).
    expect(iso('day', 'America/New_York', '2026-03-10T02:00:00Z')).toEqual({ start: '2026-03-09T04:00:00.000Z', end: '2026-03-10T04:00:00.000Z' });
    expect(iso('month', 'Europe/Berlin', '2026-02-28T23:30:00Z')).toEqual({ start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' });
  });

  it('makes a Berlin day 23 hours long in spring and 25 in autumn', () => {
    const spring = budgetWindow('day', 'Europe/Berlin', Date.parse('2026-03-29T12:00:00Z'));
    expect(new Date(spring.start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(spring.end - spring.start).toBe(23 * HOUR);
    const autumn = budgetWindow('day', 'Europe/Berlin', Date.parse('2026-10-25T12:00:00Z'));
    expect(new Date(autumn.start).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
  });

  it('keeps hours one hour long through a DST change, including the repeated hour', () => {
    // Berlin falls back at 01:00 UTC on 2026-10-25: local 02:00-03:00 happens twice.
    const first = budgetWindow('hour', 'Europe/Berlin', Date.parse('2026-10-25T00:30:00Z'));
    const second = budgetWindow('hour', 'Europe/Berlin', Date.parse('2026-10-25T01:30:00Z'));
    expect(first).toMatchObject({ start: Date.parse('2026-10-25T00:00:00Z'), end: Date.parse('2026-10-25T01:00:00Z') });
    expect(second).toMatchObject({ start: Date.parse('2026-10-25T01:00:00Z'), end: Date.parse('2026-10-25T02:00:00Z') });
  });

  it('aligns hours of a half-hour zone on local hours', () => {
    expect(iso('hour', 'Asia/Kolkata', '2026-03-10T14:35:00Z')).toEqual({ start: '2026-03-10T14:30:00.000Z', end: '2026-03-10T15:30:00.000Z' });
  });

  it('starts a day whose midnight is skipped at the instant the clocks jump', () => {
    // Chile springs forward at local midnight: 2026-09-06 00:00 → 01:00 (UTC-4 → UTC-3).
    const w = budgetWindow('day', 'America/Santiago', Date.parse('2026-09-06T15:00:00Z'));
    expect(new Date(w.start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(w.end - w.start).toBe(23 * HOUR);
  });

  it('moves to the next window exactly at the boundary', () => {
    const before = budgetWindow('day', 'America/New_York', Date.parse('2026-07-01T03:59:59.999Z'));
    const at = budgetWindow('day', 'America/New_York', Date.parse('2026-07-01T04:00:00.000Z'));
    expect(at.start).toBe(before.end);
  });
});
