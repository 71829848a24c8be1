// A request inside an intercepted tunnel. Each is decided on its own (keep-alive goes on after
// a per-request deny), but it must stay on the CONNECT authority: a tunnel opened to an
// allowed host must never carry requests for another (Host, SNI and absolute-form checked).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.ts';
import { Exchange } from '../exchange.ts';
import { finish, handleRequest, refuse } from '../pipeline.ts';
import { normalizePath } from '../policy/normalize.ts';
import type { RequestTarget } from '../policy/types.ts';
import type { Runtime } from '../runtime.ts';
import { parseAuthority, sameAuthority } from './authority.ts';
import { interceptContexts } from './connection-context.ts';

export async function handleInterceptedRequest(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const context = interceptContexts.get(req.socket);
  if (context === undefined) {
    res.destroy();
    return;
  }
  const ex = new Exchange();
  // Identity was settled at CONNECT; the agent's rules come from the config in force now, so
  // a reload applies to tunnels already open.
  const agent = rt.config.policy.agents.get(context.identity.agent.id);
  ex.identity = agent === undefined || agent === context.identity.agent ? context.identity : { ...context.identity, agent };
  ex.method = req.method ?? '';
  ex.scheme = 'https';
  ex.intercepted = true;
  ex.host = context.host;
  ex.port = context.port;
  ex.path = pathOnly(req.url ?? '');

  try {
    if (agent === undefined) {
      throw new GatewayError('unknown_agent', `agent '${context.identity.agent.id}' is no longer configured`);
    }
    if (context.sniMismatch !== null) {
      throw new GatewayError('ambiguous_request',
        `TLS SNI '${context.sniMismatch}' differs from the CONNECT host '${context.host}'`);
    }
    let rawTarget = req.url ?? '';
    if (!rawTarget.startsWith('/')) {
      // absolute-form inside the tunnel: its authority must be the tunnel's
      const url = splitAbsolute(rawTarget);
      if (url === null || url.scheme !== 'https' ||
          !sameAuthority(parseAuthority('https', url.authority, false), context)) {
        throw new GatewayError('ambiguous_request', `request target '${ex.path}' leaves the tunnel to ${context.host}`);
      }
      rawTarget = url.rest;
    }
    const hostHeader = req.headers.host;
    if (hostHeader !== context.checkedHostHeader) {
      if (hostHeader === undefined || !sameAuthority(parseAuthority('https', hostHeader, false), context)) {
        throw new GatewayError('ambiguous_request',
          `Host header '${hostHeader ?? ''}' differs from the CONNECT authority '${context.host}:${context.port}'`);
      }
      context.checkedHostHeader = hostHeader;
    }
    // The authority was normalised once, at CONNECT; per request only the path is.
    const target: RequestTarget = { scheme: 'https', host: context.host, port: context.port, path: normalizePath(rawTarget), isIp: context.isIp };
    ex.path = target.path;
    await handleRequest(rt, ex, req, res, target, rawTarget);
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      rt.log.error({ err, requestId: ex.id }, 'intercepted request failed');
      refuse(ex, res, 'upstream_error', 'internal error');
      return;
    }
    refuse(ex, res, err.code, err.message, false, err.headers);
  } finally {
    finish(rt, ex);
  }
}

/** The path as the audit record may show it: never the query (SPEC §6). */
export function pathOnly(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

export function splitAbsolute(target: string): { scheme: string; authority: string; rest: string } | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(target);
  if (m === null) return null;
  const rest = m[3] === '' ? '/' : (m[3] as string);
  return { scheme: (m[1] as string).toLowerCase(), authority: m[2] as string, rest: rest.startsWith('/') ? rest : `/${rest}` };
}
