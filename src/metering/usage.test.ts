import { describe, expect, it } from 'vitest';
import { mergeUsage, NO_USAGE, tokenCount } from './usage.ts';

describe('mergeUsage', () => {
  const start = { ...NO_USAGE, model: 'claude-sonnet-4-5-20250929', inputTokens: 2095, cacheReadTokens: 40112, cacheWriteTokens: 2051, outputTokens: 1 };

  it('takes the later, cumulative count field by field', () => {
    expect(mergeUsage(start, { ...NO_USAGE, outputTokens: 503 })).toEqual({ ...start, outputTokens: 503 });
  });

  it('never overwrites a count with a zero', () => {
    const zeros = { ...NO_USAGE, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 503 };
    expect(mergeUsage(start, zeros)).toEqual({ ...start, outputTokens: 503 });
  });

  it('keeps the model when the later report names none', () => {
    expect(mergeUsage(start, NO_USAGE).model).toBe('claude-sonnet-4-5-20250929');
    expect(mergeUsage(null, start)).toBe(start);
  });
});

describe('tokenCount', () => {
  it('counts only non-negative safe integers from untrusted JSON', () => {
    expect(tokenCount(12)).toBe(12);
    for (const bad of [-1, 1.5, '12', null, undefined, Number.NaN, 2 ** 60]) expect(tokenCount(bad)).toBe(0);
  });
});
