import { describe, expect, it } from 'vitest';
import { assertFlagName, assertSuspendTarget, isFlagName } from './names.ts';
import { GovernanceError } from './types.ts';

describe('flag names', () => {
  it.each(['freeze', 'incident', 'batch-window', 'v1.2_on', 'A', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(isFlagName(name)).toBe(true);
  });

  it.each(['', '-leading', '.x', 'has space', 'a/b', 'ünïcode', 'x'.repeat(65)])('refuses %j', (name) => {
    expect(isFlagName(name)).toBe(false);
    expect(() => assertFlagName(name)).toThrow(GovernanceError);
  });

  it('refuses with a 400 the admin API can answer as is', () => {
    expect(() => assertFlagName('a b')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_flag_name' }));
  });
});

describe('suspend targets', () => {
  it('accepts an agent id or *, refuses empty', () => {
    expect(() => assertSuspendTarget('finance-auditor')).not.toThrow();
    expect(() => assertSuspendTarget('*')).not.toThrow();
    expect(() => assertSuspendTarget('')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_agent' }));
  });
});
