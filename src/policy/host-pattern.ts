// A rule's `host` entry (SPEC §4): an exact name or IP, or `*.example.com` (any subdomain,
// never the apex), with an optional `:port`. Without a port the rule covers the scheme's
// default port: 443 (https) and 80 (http); the scheme is not otherwise restricted.
import { isIP } from 'node:net';
import { normalizeHost, parsePort, splitHostPort } from './normalize.ts';

const DEFAULT_PORTS: readonly number[] = [443, 80];

export interface HostPattern {
  /** Normalised name; for a wildcard, the suffix after `*.`. */
  readonly name: string;
  readonly wildcard: boolean;
  /** The ports the entry covers. */
  readonly ports: readonly number[];
  /** Normalised, as it would be written: `*.example.com:8443`, `[::1]`. */
  readonly text: string;
}

/** Parses one `host` entry; throws an Error whose message names what is wrong. */
export function parseHostPattern(entry: string): HostPattern {
  try {
    const { host, port } = splitHostPort(entry);
    const wildcard = host.startsWith('*.');
    const rest = wildcard ? host.slice(2) : host;
    if (rest.includes('*')) {
      throw new Error(`'*' is only allowed as the whole first label ('*.example.com')`);
    }
    const name = normalizeHost(rest);
    if (wildcard && isIP(name) !== 0) throw new Error('an IP address cannot have a wildcard');
    const ports = port === null ? DEFAULT_PORTS : [parsePort(port)];
    const shown = name.includes(':') ? `[${name}]` : name;
    return { name, wildcard, ports, text: `${wildcard ? '*.' : ''}${shown}${port === null ? '' : `:${ports[0]}`}` };
  } catch (err) {
    throw new Error(`bad host pattern '${entry}': ${(err as Error).message}`, { cause: err });
  }
}
