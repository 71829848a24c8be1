// Absolute-URI proxy requests (`GET http://host/path`, SPEC §1) on the proxy listener: the
// plain-HTTP path for development and for clients that cannot CONNECT.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.ts';
import { Exchange } from '../exchange.ts';
import { finish, handleRequest, refuse } from '../pipeline.ts';
import { targetFrom } from '../policy/normalize.ts';
import type { Runtime } from '../runtime.ts';
import { parseAuthority, sameAuthority } from './authority.ts';
import { settleIdentity } from './identify.ts';
import { pathOnly, splitAbsolute } from './inner-request.ts';

export async function handleAbsoluteUri(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ex = new Exchange();
  ex.method = req.method ?? '';
  const url = splitAbsolute(req.url ?? '');
  ex.path = pathOnly(url?.rest ?? req.url ?? '');
  try {
    if (url === null || (url.scheme !== 'http' && url.scheme !== 'https')) {
      throw new GatewayError('ambiguous_request',
        'not a proxy request: send an absolute http:// URI, or CONNECT host:port for HTTPS');
    }
    ex.scheme = url.scheme;
    const authority = parseAuthority(url.scheme, url.authority, false);
    ex.host = authority.host;
    ex.port = authority.port;
    ex.identity = settleIdentity(rt, req);
    const hostHeader = req.headers.host;
    if (hostHeader !== undefined && !sameAuthority(parseAuthority(url.scheme, hostHeader, false), authority)) {
      throw new GatewayError('ambiguous_request',
        `Host header '${hostHeader}' differs from the request URI authority '${url.authority}'`);
    }
    const target = targetFrom(url.scheme, url.authority, url.rest);
    ex.path = target.path;
    await handleRequest(rt, ex, req, res, target, url.rest);
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      rt.log.error({ err, requestId: ex.id }, 'proxy request failed');
      refuse(ex, res, 'upstream_error', 'internal error');
      return;
    }
    refuse(ex, res, err.code, err.message, false, err.headers);
  } finally {
    finish(rt, ex);
  }
}
