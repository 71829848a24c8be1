import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseCidr, type Cidr } from './cidr.ts';
import { DestinationGuard, type GuardOptions } from './classify.ts';
import { DEFAULT_DENY } from './default-deny.ts';

function cidrs(...texts: string[]): Cidr[] {
  return texts.map((text) => {
    const parsed = parseCidr(text);
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  });
}

function guard(options: Partial<GuardOptions> = {}): DestinationGuard {
  return new DestinationGuard({ useDefaultDeny: true, denyCidrs: [], allowCidrs: [], ...options });
}

function reason(g: DestinationGuard, ip: string, port?: number): string | null {
  const verdict = g.check(ip, port);
  return verdict.allowed ? null : verdict.reason;
}

const defaults = guard();

/** Every default range: one address inside it, and one just outside where that is not itself denied. */
const DEFAULT_CASES: readonly [range: string, inside: string, outside?: string][] = [
  ['0.0.0.0/8', '0.1.2.3', '1.0.0.0'],
  ['10.0.0.0/8', '10.255.255.255', '11.0.0.0'],
  ['100.64.0.0/10', '100.127.255.255', '100.128.0.0'],
  ['127.0.0.0/8', '127.0.0.1', '128.0.0.0'],
  ['169.254.0.0/16', '169.254.169.254', '169.255.0.0'],
  ['172.16.0.0/12', '172.31.255.255', '172.32.0.0'],
  ['192.0.0.0/24', '192.0.0.192', '192.0.1.0'],
  ['192.0.2.0/24', '192.0.2.45', '192.0.3.0'],
  ['192.88.99.0/24', '192.88.99.1', '192.88.100.0'],
  ['192.168.0.0/16', '192.168.1.1', '192.169.0.0'],
  ['198.18.0.0/15', '198.19.255.255', '198.20.0.0'],
  ['198.51.100.0/24', '198.51.100.7', '198.51.101.0'],
  ['203.0.113.0/24', '203.0.113.9', '203.0.114.0'],
  ['224.0.0.0/4', '239.255.255.250', '223.255.255.255'],
  ['240.0.0.0/4', '240.0.0.1'],
  ['255.255.255.255/32', '255.255.255.255'],
  ['::/128', '::'],
  ['::1/128', '::1'],
  ['::/96', '::808:808'],
  ['::ffff:0:0/96', '::ffff:8.8.8.8'],
  ['::ffff:0:0:0/96', '::ffff:0:808:808'],
  ['64:ff9b::/96', '64:ff9b::808:808'],
  ['64:ff9b:1::/48', '64:ff9b:1::808:808'],
  ['100::/64', '100::1'],
  ['2001::/32', '2001:0:4136:e378:8000:63bf:f7f7:f7f7', '2001:1::1'],
  ['2001:2::/48', '2001:2::1', '2001:2:1::1'],
  ['2001:db8::/32', '2001:db8::1', '2001:db9::1'],
  ['2002::/16', '2002:808:808::1', '2003::1'],
  ['3fff::/20', '3fff::1', '3fff:1000::1'],
  ['fc00::/7', 'fd00:ec2::254'],
  ['fe80::/10', 'fe80::1'],
  ['fec0::/10', 'fec0::1'],
  ['ff00::/8', 'ff02::1'],
  ['::/3', '1::1', '2000::1'],
  ['4000::/2', '4000::1'],
  ['8000::/1', '8000::1'],
];

describe('default deny list', () => {
  it('has a case below for every range', () => {
    expect(DEFAULT_CASES.map(([range]) => range).sort()).toEqual(DEFAULT_DENY.map((entry) => entry.cidr.text).sort());
  });

  it.each(DEFAULT_CASES)('%s denies %s', (range, inside) => {
    expect(reason(defaults, inside)).toContain(`${inside} is in ${range} (`);
  });

  it.each(DEFAULT_CASES.filter((c) => c[2] !== undefined))('%s: %s inside, %s just outside is allowed', (_range, _inside, outside) => {
    expect(defaults.check(outside!)).toEqual({ allowed: true });
  });

  it('names the range and why it is listed', () => {
    expect(reason(defaults, '169.254.169.254')).toBe('169.254.169.254 is in 169.254.0.0/16 (link-local, cloud metadata)');
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700::1111', '2a00:1450:4001:80b::200e'])('allows public %s', (ip) => {
    expect(defaults.check(ip)).toEqual({ allowed: true });
  });

  it.each(['localhost', '127.1', '2130706433', '0x7f000001', '', 'fe80::1%eth0', '[::1]'])('denies %j, which is not an IP address', (ip) => {
    expect(reason(defaults, ip)).toMatch(/is not an IP address/);
  });
});

describe('IPv6 forms that carry an IPv4', () => {
  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped for 127.0.0.1, which is in 127.0.0.0/8 (loopback)'],
    ['::ffff:7f00:1', 'IPv4-mapped for 127.0.0.1, which is in 127.0.0.0/8'],
    ['::127.0.0.1', 'IPv4-compatible for 127.0.0.1, which is in 127.0.0.0/8'],
    ['::ffff:169.254.169.254', 'IPv4-mapped for 169.254.169.254, which is in 169.254.0.0/16'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped for 169.254.169.254'],
    ['::a9fe:a9fe', 'IPv4-compatible for 169.254.169.254'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 for 169.254.169.254'],
    ['2002:a9fe:a9fe::1', '6to4 for 169.254.169.254'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo for 127.0.0.1'],
  ])('%s is denied for the IPv4 inside it', (ip, why) => {
    expect(reason(defaults, ip)).toContain(why);
  });

  it('checks the IPv4 inside against the configured list even without the default list', () => {
    const g = guard({ useDefaultDeny: false, denyCidrs: cidrs('169.254.0.0/16') });
    for (const ip of ['::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '::a9fe:a9fe']) {
      expect(reason(g, ip)).toContain('169.254.169.254, which is in 169.254.0.0/16 (network.deny_cidrs)');
    }
    expect(g.check('::ffff:8.8.8.8')).toEqual({ allowed: true });
  });

  it('uses the canonical text in reasons, whatever form was asked', () => {
    expect(reason(defaults, '0:0:0:0:0:FFFF:A9FE:A9FE')).toMatch(/^::ffff:169\.254\.169\.254 is IPv4-mapped for 169\.254\.169\.254/);
  });
});

describe('allow_cidrs exceptions', () => {
  const tests = guard({ allowCidrs: cidrs('127.0.0.1/32') });

  it('win over the deny list for exactly the addresses they name', () => {
    expect(tests.check('127.0.0.1')).toEqual({ allowed: true });
    expect(reason(tests, '127.0.0.2')).toBe('127.0.0.2 is in 127.0.0.0/8 (loopback)');
    expect(reason(tests, '::1')).toBe('::1 is in ::1/128 (loopback)');
  });

  it('written for an IPv4 address, cover its IPv6 forms too', () => {
    for (const ip of ['::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::7f00:1']) {
      expect(tests.check(ip)).toEqual({ allowed: true });
    }
    expect(reason(tests, '::ffff:127.0.0.2')).toContain('127.0.0.2, which is in 127.0.0.0/8');
  });

  it('for a translation prefix do not open the private IPv4 behind it (DNS64 network)', () => {
    const dns64 = guard({ allowCidrs: cidrs('64:ff9b::/96') });
    expect(dns64.check('64:ff9b::808:808')).toEqual({ allowed: true });
    expect(reason(dns64, '64:ff9b::a00:1')).toBe('64:ff9b::a00:1 is NAT64 for 10.0.0.1, which is in 10.0.0.0/8 (private)');
  });

  it('open an internal service in a private range', () => {
    const g = guard({ allowCidrs: cidrs('10.20.0.0/16', 'fd12:3456::/32') });
    expect(g.check('10.20.1.5')).toEqual({ allowed: true });
    expect(g.check('fd12:3456::5')).toEqual({ allowed: true });
    expect(reason(g, '10.21.0.1')).toContain('10.0.0.0/8');
  });
});

describe('deny_cidrs without the default list', () => {
  const g = guard({ useDefaultDeny: false, denyCidrs: cidrs('203.0.113.0/24', '2001:db8::/32') });

  it('denies only what it names', () => {
    expect(reason(g, '203.0.113.5')).toBe('203.0.113.5 is in 203.0.113.0/24 (network.deny_cidrs)');
    expect(reason(g, '2001:db8::5')).toBe('2001:db8::5 is in 2001:db8::/32 (network.deny_cidrs)');
    expect(g.check('10.0.0.1')).toEqual({ allowed: true });
    expect(g.check('::1')).toEqual({ allowed: true });
  });

  it('adds to the default list when both are asked for', () => {
    const both = guard({ denyCidrs: cidrs('8.8.8.0/24') });
    expect(reason(both, '8.8.8.8')).toBe('8.8.8.8 is in 8.8.8.0/24 (network.deny_cidrs)');
    expect(reason(both, '10.0.0.1')).toContain('(private)');
  });
});

describe("the gateway's own listening addresses", () => {
  it('deny the listener port even where allow_cidrs opens the address', () => {
    const g = guard({ allowCidrs: cidrs('127.0.0.0/8'), selfAddresses: [{ address: '127.0.0.1', port: 3128 }] });
    expect(reason(g, '127.0.0.1', 3128)).toBe("127.0.0.1 port 3128 is the gateway's own listening address");
    expect(reason(g, '::ffff:127.0.0.1', 3128)).toBe("::ffff:127.0.0.1 port 3128 is the gateway's own listening address");
    expect(g.check('127.0.0.1', 8080)).toEqual({ allowed: true });
    expect(g.check('127.0.0.2', 3128)).toEqual({ allowed: true });
  });

  it('fail closed when the port is not known', () => {
    const g = guard({ allowCidrs: cidrs('127.0.0.0/8'), selfAddresses: [{ address: '127.0.0.1', port: 3128 }] });
    expect(g.check('127.0.0.1').allowed).toBe(false);
  });

  it('expand a 0.0.0.0 listener to every local IPv4 interface address', () => {
    const g = guard({ useDefaultDeny: false });
    g.addSelf('0.0.0.0', 3128);
    const local = Object.values(networkInterfaces()).flatMap((infos) => infos ?? []);
    const v4 = local.filter((info) => info.family === 'IPv4');
    expect(v4.length).toBeGreaterThan(0);
    for (const info of v4) expect(reason(g, info.address, 3128)).toContain("is the gateway's own listening address");
    expect(reason(g, '0.0.0.0', 3128)).toContain("is the gateway's own listening address");
    expect(g.check('127.0.0.1', 3129)).toEqual({ allowed: true });
    for (const info of local.filter((i) => i.family === 'IPv6')) expect(g.check(info.address, 3128)).toEqual({ allowed: true });
  });

  it('expand a :: listener to IPv4 and IPv6 interface addresses', () => {
    const g = guard({ useDefaultDeny: false });
    g.addSelf('::', 9090);
    expect(g.check('127.0.0.1', 9090).allowed).toBe(false);
    expect(g.check('::', 9090).allowed).toBe(false);
    expect(g.check('0.0.0.0', 9090).allowed).toBe(false);
  });

  it('without a port, cover every port of the address', () => {
    const g = guard({ allowCidrs: cidrs('::1/128') });
    g.addSelf('::1', 443);
    expect(g.check('::1', 80)).toEqual({ allowed: true });
    g.addSelf('::1');
    expect(reason(g, '::1', 80)).toBe("::1 port 80 is the gateway's own listening address");
  });

  it('must be IP addresses', () => {
    expect(() => guard().addSelf('localhost', 3128)).toThrow(/'localhost' is not an IP address/);
  });
});
