import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { Exchange } from './exchange.ts';

describe('Exchange id', () => {
  it('is a ULID of the current time, strictly increasing within a millisecond, with random bits that differ', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5000 }, () => new Exchange().id);
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(decodeTime(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ids.at(-1)!)).toBeLessThanOrEqual(after);
    // Within a millisecond the random part is incremented; each new millisecond draws it afresh,
    // so its leading characters differ between milliseconds.
    const milliseconds = new Set(ids.map((id) => id.slice(0, 10))).size;
    const leadingRandom = new Set(ids.map((id) => id.slice(10, 18))).size;
    expect(leadingRandom).toBe(milliseconds);
  });
});
