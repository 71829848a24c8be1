import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.ts';

describe('BoundedQueue', () => {
  it('refuses lines beyond the line bound and accepts again once a batch is removed', () => {
    const q = new BoundedQueue({ maxLines: 3, maxBytes: 1_000 });
    expect(['a', 'b', 'c', 'd'].map((l) => q.offer(l))).toEqual([true, true, true, false]);
    expect(q.full).toBe(true);
    expect(q.peek(2, 1_000)).toEqual(['a', 'b']);
    q.remove(2);
    expect(q.full).toBe(false);
    expect(q.offer('e')).toBe(true);
    expect(q.peek(10, 1_000)).toEqual(['c', 'e']);
  });

  it('bounds bytes as UTF-8 plus the newline each line is written with', () => {
    const q = new BoundedQueue({ maxLines: 100, maxBytes: 10 });
    expect(q.offer('ééé')).toBe(true); // 6 bytes + newline
    expect(q.bytes).toBe(7);
    expect(q.offer('abc')).toBe(false); // 7 + 4 > 10
    expect(q.offer('ab')).toBe(true); // 7 + 3 = 10
    expect(q.full).toBe(true);
    expect(q.offer('x'.repeat(20))).toBe(false);
  });

  it('peeks within the batch byte limit but always returns at least one line', () => {
    const q = new BoundedQueue({ maxLines: 100, maxBytes: 1_000 });
    for (const l of ['aaaa', 'bbbb', 'cccc']) q.offer(l);
    expect(q.peek(10, 10)).toEqual(['aaaa', 'bbbb']);
    expect(q.peek(10, 1)).toEqual(['aaaa']);
  });

  it('keeps order and byte count across many batches (compaction)', () => {
    const q = new BoundedQueue({ maxLines: 5_000, maxBytes: 1e9 });
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 20; round++) {
      while (q.offer(String(next))) next++;
      const batch = q.peek(1_500, 1e9);
      expect(batch.map(Number)).toEqual(Array.from({ length: batch.length }, (_, i) => expected + i));
      expected += batch.length;
      q.remove(batch.length);
    }
    const rest = q.peek(10_000, 1e9);
    expect(q.bytes).toBe(rest.reduce((n, l) => n + l.length + 1, 0));
    expect(q.clear()).toBe(rest.length);
    expect(q.length).toBe(0);
  });
});
