// Authorities as the agent wrote them (CONNECT target, absolute-URI, Host header), compared
// after the same normalisation the policy uses, so `API.example.com.:443` equals
// `api.example.com` but a different name or port never does.
import { GatewayError } from '../errors.ts';
import { targetFrom } from '../policy/normalize.ts';

export interface Authority {
  readonly host: string;
  readonly port: number;
  /** The host is an IP literal (rules must name the IP, SPEC §4). */
  readonly isIp: boolean;
}

export function parseAuthority(scheme: 'http' | 'https', authority: string, requirePort: boolean): Authority {
  if (authority === '' || authority.includes('@') || authority.includes('/')) {
    throw new GatewayError('ambiguous_request', `malformed authority '${authority}'`);
  }
  if (requirePort && !/:[0-9]+$/.test(authority)) {
    throw new GatewayError('ambiguous_request', `CONNECT target '${authority}' must be host:port`);
  }
  const target = targetFrom(scheme, authority, '/');
  return { host: target.host, port: target.port, isIp: target.isIp };
}

export function sameAuthority(a: Omit<Authority, 'isIp'>, b: Omit<Authority, 'isIp'>): boolean {
  return a.host === b.host && a.port === b.port;
}
