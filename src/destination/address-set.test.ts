import { describe, expect, it } from 'vitest';
import { AddressSet } from './address-set.ts';
import { parseCidr, type Cidr } from './cidr.ts';
import { parseIpv4, parseIpv6 } from './ip.ts';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

function set(...entries: [string, string][]): AddressSet {
  return new AddressSet(entries.map(([text, label]) => ({ cidr: cidr(text), label })));
}

const set4 = set(['10.0.0.0/8', 'ten'], ['10.1.0.0/16', 'ten-one'], ['10.1.2.3', 'host'], ['192.168.1.77/24', 'host bits ignored']);
const set6 = set(['fc00::/7', 'ula'], ['fd00:ec2::254/128', 'imds'], ['2001:db8::/32', 'doc']);

const v4 = (text: string): string | undefined => set4.matchV4(parseIpv4(text))?.label;
const v6 = (text: string): string | undefined => set6.matchV6(parseIpv6(text)!)?.label;

describe('AddressSet', () => {
  it.each([
    ['10.9.9.9', 'ten'],
    ['10.1.9.9', 'ten-one'],
    ['10.1.2.3', 'host'],
    ['10.1.2.4', 'ten-one'],
    ['192.168.1.0', 'host bits ignored'],
    ['192.168.1.255', 'host bits ignored'],
    ['192.168.2.0', undefined],
    ['11.0.0.0', undefined],
    ['9.255.255.255', undefined],
  ])('IPv4 %s → the most specific range: %s', (ip, label) => {
    expect(v4(ip)).toBe(label);
  });

  it.each([
    ['fd00:ec2::254', 'imds'],
    ['fd00:ec2::253', 'ula'],
    ['fcff:ffff::1', 'ula'],
    ['fe00::', undefined],
    ['2001:db8:ffff::1', 'doc'],
    ['2001:db9::', undefined],
  ])('IPv6 %s → %s', (ip, label) => {
    expect(v6(ip)).toBe(label);
  });

  it('matches everything with /0 and keeps the families apart', () => {
    const all = set(['0.0.0.0/0', 'any v4'], ['::/0', 'any v6']);
    expect(all.matchV4(parseIpv4('255.255.255.255'))?.label).toBe('any v4');
    expect(all.matchV6((1n << 128n) - 1n)?.label).toBe('any v6');
    expect(set(['0.0.0.0/0', 'v4 only']).matchV6(0n)).toBeUndefined();
  });

  it('keeps the first label when a range is listed twice', () => {
    expect(set(['10.0.0.0/8', 'first'], ['10.0.0.0/8', 'second']).matchV4(parseIpv4('10.0.0.1'))?.label).toBe('first');
  });

  it('refuses a CIDR it cannot read rather than matching nothing', () => {
    expect(() => set(['fe80::1%eth0/64', 'zone'])).toThrow(/fe80::1%eth0/);
  });
});
