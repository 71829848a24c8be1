// Header hygiene between agent and upstream (RFC 9110 §7.6.1): hop-by-hop headers and
// anything named in Connection are connection-scoped and never forwarded; proxy credentials
// never leave the gateway; injected credentials replace whatever the agent sent under the
// same name (SPEC §4 inject, issue 6).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/**
 * Request headers for the upstream, from Node's raw header list (keeps the agent's casing and
 * repeated headers as sent). `inject` names are lower-case.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], inject: ReadonlyMap<string, string>): string[] {
  const named = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || inject.has(lower) || (named !== null && named.has(lower))) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  for (const [name, value] of inject) out.push(name, value);
  return out;
}

/** Response headers for the agent, from undici's header object. */
export function agentResponseHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const connection = headers['connection'];
  const named = connection === undefined || onlyKeepAlive(connection) ? null
    : tokensOf(Array.isArray(connection) ? connection.join(',') : connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (named !== null && named.has(name))) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

// Nearly every client and upstream sends `Connection: keep-alive`, which names only a header
// that is hop-by-hop anyway: no token set to build for it on every request and response.
function onlyKeepAlive(value: string | readonly string[]): boolean {
  return typeof value === 'string' && value.length === 10 && value.toLowerCase() === 'keep-alive';
}

function connectionTokens(rawHeaders: readonly string[]): Set<string> | null {
  let found: Set<string> | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'connection' || onlyKeepAlive(rawHeaders[i + 1] as string)) continue;
    found ??= new Set();
    for (const token of tokensOf(rawHeaders[i + 1] as string)) found.add(token);
  }
  return found;
}

function tokensOf(value: string): Set<string> {
  const out = new Set<string>();
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') out.add(token);
  }
  return out;
}
