// The addresses the gateway itself answers on, so that an agent cannot point it back at its own
// listeners (a proxy loop, or the admin API from the inside).
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * Every address a listener bound to `host` is reachable on. A wildcard bind answers on every
 * local interface; `::` also takes IPv4 (Node listens dual-stack unless `ipv6Only`). The
 * wildcard itself is included because dialling 0.0.0.0 or :: reaches this host on Linux.
 */
export function listeningAddresses(host: string, interfaces: Interfaces = networkInterfaces()): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const addresses = host === '::' ? ['::', '0.0.0.0'] : ['0.0.0.0'];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (host === '::' || info.family === 'IPv4') addresses.push(info.address);
    }
  }
  return addresses;
}
