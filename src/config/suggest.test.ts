import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from './suggest.ts';

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('hosts', 'host')).toBe(1);
    expect(editDistance('on_eror', 'on_error')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest candidate within two edits, else nothing', () => {
    expect(closest('agent', ['agents', 'audit', 'limits'])).toBe('agents');
    expect(didYouMean('hosts', ['host', 'port', 'tls'])).toBe("; did you mean 'host'?");
    expect(didYouMean('completely-different', ['host', 'port'])).toBe('');
  });
});
