import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Switchboard } from './switchboard.ts';
import type { Suspension } from './types.ts';

const s = (agent: string, at = '2026-01-01T00:00:00.000Z'): Suspension => ({ agent, reason: null, by: 'ops', at });

function board(): { board: Switchboard; fired: string[]; logged: string[] } {
  const logged: string[] = [];
  const b = new Switchboard(pino({ level: 'error' }, { write: (line: string) => void logged.push(line) }));
  const fired: string[] = [];
  b.onSuspend((agent) => fired.push(agent));
  return { board: b, fired, logged };
}

describe('Switchboard', () => {
  it('answers an agent\'s own suspension first, then the global one', () => {
    const { board: b } = board();
    b.replace([s('*', '2026-01-02T00:00:00.000Z'), s('a')], []);
    expect(b.suspension('a')?.agent).toBe('a');
    expect(b.suspension('z')?.agent).toBe('*');
  });

  it('fires onSuspend for new and re-issued suspensions only', () => {
    const { board: b, fired } = board();
    b.replace([s('a')], []);
    b.replace([s('a'), s('b')], []);
    b.replace([s('a', '2026-01-01T00:05:00.000Z'), s('b')], []);
    b.replace([s('b')], []);
    b.replace([s('a')], []);
    expect(fired).toEqual(['a', 'b', 'a', 'a']);
  });

  it('keeps going when a listener throws, and logs it', () => {
    const { board: b, fired, logged } = board();
    b.onSuspend(() => {
      throw new Error('boom');
    });
    b.put(s('a'));
    b.put(s('b'));
    expect(fired).toEqual(['a', 'b']);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain('onSuspend listener failed');
  });

  it('reads unset flags as false and replaces flags wholesale', () => {
    const { board: b } = board();
    b.setFlag('freeze', true);
    expect(b.flag('freeze')).toBe(true);
    expect(b.flag('incident')).toBe(false);
    b.replace([], [['incident', true]]);
    expect(b.flags()).toEqual({ incident: true });
  });
});
