import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.ts';

describe('coalesce (helm -f semantics)', () => {
  it('merges maps deeply, replaces lists and scalars, and deletes on null', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x', e: { f: 1 } };
    expect(coalesce(base, { a: { c: [3] }, d: 'y', e: null, g: true }))
      .toEqual({ a: { b: 1, c: [3] }, d: 'y', g: true });
    expect(base.a.c).toEqual([1, 2]);
  });
});
