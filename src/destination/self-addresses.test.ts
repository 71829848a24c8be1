import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { listeningAddresses } from './self-addresses.ts';

const info = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo =>
  ({ address, family, netmask: '', mac: '', internal: false, cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;

const interfaces = {
  lo: [info('127.0.0.1', 'IPv4'), info('::1', 'IPv6')],
  eth0: [info('10.1.2.3', 'IPv4'), info('fe80::1', 'IPv6')],
};

describe('listeningAddresses', () => {
  it('is the bound address itself for a specific bind', () => {
    expect(listeningAddresses('10.1.2.3', interfaces)).toEqual(['10.1.2.3']);
  });

  it('expands 0.0.0.0 to every IPv4 interface address', () => {
    expect(listeningAddresses('0.0.0.0', interfaces)).toEqual(['0.0.0.0', '127.0.0.1', '10.1.2.3']);
  });

  it('expands :: to every interface address of both families (dual-stack)', () => {
    expect(listeningAddresses('::', interfaces)).toEqual(['::', '0.0.0.0', '127.0.0.1', '::1', '10.1.2.3', 'fe80::1']);
  });
});
