import { describe, expect, it } from 'vitest';
import { embeddedIpv4 } from './embedded.ts';
import { formatIpv4, parseIpv6 } from './ip.ts';

function inner(text: string): [string, string] | null {
  const found = embeddedIpv4(parseIpv6(text)!);
  return found === null ? null : [found.kind, formatIpv4(found.value)];
}

describe('embeddedIpv4', () => {
  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped', '127.0.0.1'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped', '169.254.169.254'],
    ['::127.0.0.1', 'IPv4-compatible', '127.0.0.1'],
    ['::ffff:0:a00:1', 'IPv4-translated', '10.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'NAT64', '169.254.169.254'],
    ['2002:a9fe:a9fe::1', '6to4', '169.254.169.254'],
    ['2002:0a00:0001:1234:5678::9', '6to4', '10.0.0.1'],
    // RFC 4380 §4's example: client 192.0.2.45, stored inverted as 3fff:fdd2.
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo', '192.0.2.45'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo', '127.0.0.1'],
  ])('%s carries %s %s', (text, kind, ipv4) => {
    expect(inner(text)).toEqual([kind, ipv4]);
  });

  it.each(['::', '::1', '2001:db8::1', '2606:4700::1111', '64:ff9b:1::a00:1', '::1:0:0:1'])('%s carries none', (text) => {
    expect(inner(text)).toBeNull();
  });
});
