import { describe, expect, it } from 'vitest';
import { compileGlobs, type PathMatcher } from './glob.ts';

function matcher(...patterns: string[]): PathMatcher {
  const compiled = compileGlobs(patterns);
  if (typeof compiled !== 'function') throw new Error(compiled.message);
  return compiled;
}

describe('compileGlobs', () => {
  it.each([
    ['/v1/chat/completions', '/v1/chat/completions', true],
    ['/v1/chat/completions', '/v1/chat/completions/', false],
    ['/v1/chat/completions', '/v1/chat', false],
    ['/repos/acme/*/pulls', '/repos/acme/infra/pulls', true],
    ['/repos/acme/*/pulls', '/repos/acme//pulls', false],
    ['/repos/acme/*/pulls', '/repos/acme/a/b/pulls', false],
    ['/a/*', '/a/', false],
    ['/a/*', '/a', false],
    ['/repos/acme/**', '/repos/acme', true],
    ['/repos/acme/**', '/repos/acme/', true],
    ['/repos/acme/**', '/repos/acme/x/y/z', true],
    ['/repos/acme/**', '/repos/acmeco/x', false],
    ['/a/**/b', '/a/b', true],
    ['/a/**/b', '/a/x/y/b', true],
    ['/a/**/b', '/a/x/y/c', false],
    ['/a/**/b/*', '/a/b/b/b/c', true],
    ['/**', '/', true],
    ['/**', '/anything/at/all', true],
    ['/**/**/x', '/x', true],
    ['/', '/', true],
    ['/', '/a', false],
    ['/a//b', '/a//b', true],
    ['/a//b', '/a/b', false],
    ['/a/b', '/a//b', false],
    ['/v1/*.json', '/v1/data.json', true],
    ['/v1/*.json', '/v1/a/data.json', false],
    ['/v1/*.json', '/v1/data.xml', false],
    ['/v1/a*b*c', '/v1/aXbYc', true],
    ['/v1/a*b*c', '/v1/abc', true],
    ['/v1/a*b*c', '/v1/acb', false],
    ['/v1/a*a', '/v1/a', false],
    ['/%7Euser/*', '/~user/x', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(matcher(pattern)(path)).toBe(expected);
  });

  it('matches any of several patterns, literal or glob', () => {
    const match = matcher('/v1/responses', '/v1/files/*', '/v2/**');
    expect(['/v1/responses', '/v1/files/f1', '/v2', '/v2/a/b'].map(match)).toEqual([true, true, true, true]);
    expect(['/v1/files', '/v1/other', '/v3'].map(match)).toEqual([false, false, false]);
  });

  it('stays linear on a hostile path against several **', () => {
    const match = matcher('/**/a/**/a/**/a/**/b');
    const path = `/${'a/'.repeat(5_000)}c`;
    const started = performance.now();
    expect(match(path)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['v1/x', /must start with '\/'/],
    ['/a/***', /'\*\*' must be a whole segment/],
    ['/a/b**', /'\*\*' must be a whole segment/],
    ['/a?x=1', /contains '\?'/],
    ['/a/../b', /can never match: .*dot segment/],
    ['/a%2fb', /can never match: .*encoded '\/'/],
  ])('refuses %j', (pattern, message) => {
    expect(compileGlobs([pattern])).toEqual({ index: 0, message: expect.stringMatching(message) });
  });

  it('reports the index of the bad pattern among several', () => {
    expect(compileGlobs(['/ok', '/fine/**', 'bad'])).toEqual({ index: 2, message: "path glob 'bad' must start with '/'" });
  });
});
