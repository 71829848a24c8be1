import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { isCanonicalIp, normalizeHost, normalizePath, targetFrom, targetFromUrl } from './normalize.ts';

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('normalizeHost', () => {
  it.each([
    ['EXAMPLE.com', 'example.com'],
    ['api.example.com.', 'api.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['BÜCHER.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['a_b.example', 'a_b.example'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });

  it.each([
    ['2130706433', /non-canonical|canonical a\.b\.c\.d/],
    ['0x7f.1', /canonical a\.b\.c\.d/],
    ['127.1', /canonical a\.b\.c\.d/],
    ['0177.0.0.1', /canonical a\.b\.c\.d/],
    ['127.0.0.01', /canonical a\.b\.c\.d/],
    ['127.0.0.1.', /canonical a\.b\.c\.d/],
    ['example.123', /canonical a\.b\.c\.d/],
    ['１２７.0.0.1', /canonical a\.b\.c\.d/],
    ['１２７．０．０．１', /IPv4 address written with non-ASCII characters/],
    ['evil\r\nx.example', /host 'evil\?\?x\.example' contains characters not allowed/],
    ['', /empty/],
    ['a..b', /empty or over-long label/],
    ['ex%61mple.com', /characters not allowed/],
    ['exa mple.com', /characters not allowed/],
    ['bü cher.example', /characters not allowed/],
    ['[fe80::1%25eth0]', /zone id/],
    ['[::1', /unclosed/],
    ['[nope]', /not a valid IPv6/],
    [`${'a'.repeat(64)}.example`, /over-long/],
  ])('refuses %j as ambiguous', (input, message) => {
    const err = refusal(() => normalizeHost(input));
    expect(err.code).toBe('ambiguous_request');
    expect(err.message).toMatch(message);
  });
});

describe('isCanonicalIp', () => {
  it.each([
    ['127.0.0.1', true],
    ['255.255.255.255', true],
    ['::1', true],
    ['2001:db8::1', true],
    ['127.0.0.01', false],
    ['127.1', false],
    ['256.0.0.1', false],
    ['0:0::1', false],
    ['2001:DB8::1', false],
    ['example.com', false],
  ])('%s → %s', (input, expected) => {
    expect(isCanonicalIp(input)).toBe(expected);
  });
});

describe('normalizePath', () => {
  it.each([
    ['/v1/chat/completions?stream=true', '/v1/chat/completions'],
    ['/a//b', '/a//b'],
    ['/a/', '/a/'],
    ['/', '/'],
    ['/%61dmin', '/admin'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/a/...', '/a/...'],
    ['/a/.hidden', '/a/.hidden'],
    ['/a?b/../c', '/a'],
  ])('%j → %j', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });

  it.each([
    ['/a/../b', /dot segment '\.\.'/],
    ['/a/./b', /dot segment '\.'/],
    ['/a/..', /dot segment/],
    ['/a/%2e%2e/b', /dot segment/],
    ['/a/.%2E/b', /dot segment/],
    ['/a/%2e/b', /dot segment/],
    ['/a/..;x=1/b', /dot segment/],
    ['/a%2fb', /encoded '\/' \(%2F\)/],
    ['/a%2Fb', /encoded '\/'/],
    ['/a%5cb', /encoded '\\'/],
    ['/a\\b', /contains a '\\'/],
    ['/a%00b', /encoded NUL/],
    ['/a\u0000b', /NUL byte/],
    ['/a%0ab', /encoded control byte \(%0A\)/],
    ['/a\tb', /control/],
    ['/a b', /space/],
    ['/über', /non-ASCII/],
    ['/a%zz', /malformed escape/],
    ['/a%4', /malformed escape/],
    ['a/b', /does not start with '\/'/],
    ['', /does not start with '\/'/],
    ['/a#frag', /'#'/],
  ])('refuses %j', (input, message) => {
    const err = refusal(() => normalizePath(input));
    expect(err.code).toBe('ambiguous_request');
    expect(err.message).toMatch(message);
  });
});

describe('targetFromUrl / targetFrom', () => {
  it('fills the default port of each scheme and strips the query', () => {
    expect(targetFromUrl('https://API.Example.com/v1?x=1')).toEqual({
      scheme: 'https', host: 'api.example.com', port: 443, path: '/v1', isIp: false,
    });
    expect(targetFromUrl('http://example.com')).toEqual({
      scheme: 'http', host: 'example.com', port: 80, path: '/', isIp: false,
    });
    expect(targetFromUrl('http://example.com?q').path).toBe('/');
  });

  it('keeps explicit ports and marks IP literals', () => {
    expect(targetFromUrl('https://[2001:DB8::1]:8443/x')).toEqual({
      scheme: 'https', host: '2001:db8::1', port: 8443, path: '/x', isIp: true,
    });
    expect(targetFromUrl('HTTP://10.0.0.5:8080/').isIp).toBe(true);
    expect(targetFrom('https', 'bücher.example.', '/')).toMatchObject({ host: 'xn--bcher-kva.example', port: 443 });
  });

  it.each([
    ['https://user:pw@example.com/', /userinfo/],
    ['https://user@example.com/', /userinfo/],
    ['ftp://example.com/', /scheme 'ftp'/],
    ['example.com/x', /not an absolute/],
    ['https://example.com:0/', /port '0'/],
    ['https://example.com:065535/', /leading zeros/],
    ['https://example.com:70000/', /port '70000'/],
    ['https://example.com:/', /port ''/],
    ['https://::1/', /several ':'/],
    ['http://2130706433/', /canonical/],
    ['http://0x7f.1/', /canonical/],
    ['https://example.com/a/../b', /dot segment/],
  ])('refuses %j', (url, message) => {
    const err = refusal(() => targetFromUrl(url));
    expect(err.code).toBe('ambiguous_request');
    expect(err.message).toMatch(message);
  });
});
