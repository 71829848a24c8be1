import { describe, expect, it } from 'vitest';
import { canonicalIp, formatIpv6, parseIp, parseIpv4, parseIpv6 } from './ip.ts';

describe('parseIpv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['127.0.0.1', 0x7f000001],
    ['169.254.169.254', 0xa9fea9fe],
    ['255.255.255.255', 0xffffffff],
  ])('%s → %d', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
  });

  it.each(['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '01.2.3.4', '256.0.0.1', '1.2.3.4.', '.1.2.3', '1..2.3', '1.2.3.4.5', '', ' 1.2.3.4', '1.2.3.-4'])(
    'refuses %j',
    (text) => {
      expect(parseIpv4(text)).toBe(-1);
    },
  );
});

describe('parseIpv6', () => {
  it('reads every text form of one address as one number', () => {
    const forms = ['::ffff:7f00:1', '::FFFF:127.0.0.1', '0:0:0:0:0:ffff:7f00:0001', '::0:ffff:127.0.0.1'];
    const values = forms.map((form) => parseIpv6(form));
    expect(values.every((value) => value === 0xffff_7f00_0001n)).toBe(true);
  });

  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['1::', 1n << 112n],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', (1n << 128n) - 1n],
    ['2001:db8::8:800:200c:417a', 0x2001_0db8_0000_0000_0008_0800_200c_417an],
  ])('%s', (text, value) => {
    expect(parseIpv6(text)).toBe(value);
  });

  it.each([
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '12345::',
    'g::',
    'fe80::1%eth0',
    '[::1]',
    '1.2.3.4::',
    '::1.2.3',
    '::ffff:127.1',
  ])('refuses %j', (text) => {
    expect(parseIpv6(text)).toBeNull();
  });
});

describe('canonical text', () => {
  it.each([
    // RFC 5952 §4: lower case, no leading zeros, longest zero run compressed, first on a tie.
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    // RFC 5952 §5: IPv4-mapped addresses in mixed notation.
    ['::ffff:7f00:1', '::ffff:127.0.0.1'],
    ['::127.0.0.1', '::7f00:1'],
    ['64:FF9B::169.254.169.254', '64:ff9b::a9fe:a9fe'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s → %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it('is null for text that is not an address', () => {
    expect(canonicalIp('localhost')).toBeNull();
    expect(canonicalIp('127.1')).toBeNull();
  });

  it('round-trips through its own output', () => {
    for (const value of [0n, 1n, 0x2001_0db8n << 96n, 0xfe80n << 112n, (1n << 128n) - 1n]) {
      expect(parseIpv6(formatIpv6(value))).toBe(value);
    }
  });

  it('tags the family', () => {
    expect(parseIp('1.2.3.4')).toEqual({ family: 4, value: 0x01020304 });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
  });
});
