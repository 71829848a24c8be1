// The admin listener (SPEC §7) on node:http: health, metrics and the bearer-token /v1 API.
// Per request: authenticate anything under /v1 (before routing, so an unauthenticated client
// cannot even probe which routes exist) → route → method → query parameters → handler. Every
// refusal is `{"error":{"code","message"}}`; an unexpected failure is a 500 that says nothing
// more, with the cause in the log.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError } from '../errors.ts';
import { GovernanceError } from '../governance/types.ts';
import { StoreUnavailableError } from '../limits/types.ts';
import { AdminError, badRequest } from './admin-error.ts';
import { agentRoutes } from './api-agents.ts';
import { auditRoutes } from './api-audit.ts';
import { explainRoutes } from './api-explain.ts';
import { governanceRoutes } from './api-governance.ts';
import { healthRoutes } from './api-health.ts';
import { policyRoutes } from './api-policy.ts';
import { bearerCheck } from './auth.ts';
import type { AdminContext } from './context.ts';
import { queryParams } from './input.ts';
import { allowedMethods, Router, type Method, type Reply } from './router.ts';

export const MAX_BODY_BYTES = 64 * 1024;
/** The whole request, body included, must arrive within this (slowloris). */
export const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;
const MAX_HEADER_BYTES = 16 * 1024;

export interface AdminServerOptions {
  /** `listen.admin.token`; null keeps every /v1 endpoint closed (401). Fixed for the server's life. */
  readonly token: string | null;
  readonly log?: Logger;
  /** Default REQUEST_TIMEOUT_MS. */
  readonly requestTimeoutMs?: number;
}

export interface AdminListenOptions extends AdminServerOptions {
  readonly host: string;
  readonly port: number;
}

export interface AdminServer {
  readonly server: Server;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** The admin HTTP server, not yet listening. */
export function createAdminServer(ctx: AdminContext, options: AdminServerOptions): Server {
  const log = options.log ?? null;
  const authenticate = bearerCheck(options.token);
  const router = new Router([
    ...healthRoutes(ctx),
    ...policyRoutes(ctx),
    ...agentRoutes(ctx),
    ...governanceRoutes(ctx),
    ...auditRoutes(ctx, log),
    ...explainRoutes(ctx),
  ]);

  const handle = async (req: IncomingMessage): Promise<Reply> => {
    const target = req.url ?? '';
    if (!target.startsWith('/')) throw badRequest('invalid_path', 'the request target must be a path');
    const url = new URL(target, 'http://admin.invalid');
    if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) authenticate(req.headers.authorization);
    const { route, params } = router.match(url.pathname);
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as Method;
    const handler = route.methods[method];
    if (handler === undefined) {
      const allow = allowedMethods(route).join(', ');
      throw new AdminError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname} (allowed: ${allow})`, { headers: { allow } });
    }
    const query = queryParams(url.searchParams, route.query ?? []);
    return handler({ params, query, body: () => readJsonBody(req) });
  };

  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
    // Node checks the timeouts above only this often (30 s by default).
    connectionsCheckingInterval: Math.min(1_000, requestTimeout / 4),
  }, (req, res) => {
    handle(req).then(
      (reply) => send(res, reply.status, 'json' in reply ? reply.json : reply.text, 'json' in reply ? null : reply.contentType),
      (err: unknown) => {
        const error = asAdminError(err, log);
        for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
        // A body that was refused part-way is still arriving: the connection cannot be reused.
        if (error.status === 413) res.setHeader('connection', 'close');
        send(res, error.status, { error: { code: error.code, message: error.message, ...error.details } }, null);
      },
    );
  });
  return server;
}

/** Creates the admin server and listens on host:port (port 0: any free port). */
export async function startAdminServer(ctx: AdminContext, options: AdminListenOptions): Promise<AdminServer> {
  const server = createAdminServer(ctx, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, contentType: string | null): void {
  const text = contentType === null ? JSON.stringify(body) : String(body);
  res.statusCode = status;
  res.setHeader('content-type', contentType ?? 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(text);
}

function asAdminError(err: unknown, log: Logger | null): AdminError {
  if (err instanceof AdminError) return err;
  if (err instanceof GovernanceError) return new AdminError(err.status, err.code, err.message);
  if (err instanceof GatewayError && err.code === 'store_unavailable') return new AdminError(503, err.code, 'the store is unreachable; try again');
  if (err instanceof StoreUnavailableError) return new AdminError(503, 'store_unavailable', 'the store is unreachable; try again');
  log?.error({ err }, 'admin request failed');
  return new AdminError(500, 'internal_error', 'internal error');
}

/** The parsed JSON body, undefined when empty; 413 over MAX_BODY_BYTES, 400 when not JSON. */
function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new AdminError(413, 'body_too_large', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    // Past the limit the rest is read and discarded (not paused), so the client sees the 413
    // instead of a reset; the request timeout still bounds how long that can go on.
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) settle(() => reject(tooLarge()));
      else chunks.push(chunk);
    });
    req.on('error', (err) => settle(() => reject(err)));
    req.on('end', () => settle(() => {
      if (size === 0) {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(badRequest('malformed_json', `the body is not valid JSON: ${(err as Error).message}`));
      }
    }));
  });
}
