// The proxy listener (SPEC §1, §3): HTTPS with optional client certificates (production), or
// plain HTTP (tokens only). It asks for a client certificate but completes the handshake
// without one, so identity problems are answered in HTTP with a readable reason.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { statusOf, type DenyCode } from '../errors.ts';
import { Exchange } from '../exchange.ts';
import { finish } from '../pipeline.ts';
import type { Runtime } from '../runtime.ts';
import { handleAbsoluteUri } from './absolute-uri.ts';
import { handleConnect } from './connect.ts';
import { interceptContexts } from './connection-context.ts';
import { handleInterceptedRequest } from './inner-request.ts';
import { proxyTlsOptions } from './proxy-tls.ts';
import { refusalOf, writeRawRefusal } from './respond.ts';

export interface ProxyServers {
  /** The listening server agents connect to. */
  readonly outer: http.Server;
  /** Never listens: intercepted TLS sockets are handed to it, one HTTP/1.1 parser per tunnel. */
  readonly inner: http.Server;
}

export function createProxyServers(runtime: () => Runtime): ProxyServers {
  const rt = runtime();
  const { limits, listen } = rt.config;
  const httpOptions: http.ServerOptions = {
    maxHeaderSize: limits.maxHeaderBytes,
    // Long LLM streams and uploads must not be cut by Node's default 300 s request timeout;
    // headers still have to arrive promptly.
    requestTimeout: 0,
    headersTimeout: Math.min(limits.idleTimeoutMs, 60_000),
    keepAliveTimeout: limits.idleTimeoutMs,
    // Node rejects CL+TE, bad chunking and obs-fold in strict mode: those become 400s below.
    insecureHTTPParser: false,
    requireHostHeader: false,
  };

  const tls = listen.proxy.tls;
  const outer = tls === null
    ? http.createServer(httpOptions)
    : https.createServer({
      ...httpOptions,
      ...proxyTlsOptions(tls),
      requestCert: true,
      // The listener, not upstream verification: a client certificate is optional at the TLS
      // layer so a missing or bad one is answered in HTTP (407/403) with a reason (SPEC §3);
      // identity/ refuses every request whose certificate did not verify.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
  const inner = http.createServer(httpOptions);
  // Inactivity on either listener's sockets (an intercepted tunnel that never sends a request,
  // a stalled upload) ends in destroy: with no 'timeout' listener Node destroys the socket.
  outer.setTimeout(limits.idleTimeoutMs);
  inner.setTimeout(limits.idleTimeoutMs);

  outer.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void handleConnect(runtime(), inner, req, socket as Socket, head);
  });
  outer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handleAbsoluteUri(runtime(), req, res);
  });
  inner.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handleInterceptedRequest(runtime(), req, res);
  });
  outer.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(runtime(), err, socket as Socket, false));
  inner.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(runtime(), err, socket as Socket, true));
  // Upgrades (WebSocket) are not policy-checked per message; refuse rather than pass blind.
  const refuseUpgrade = (req: IncomingMessage, socket: Duplex): void => {
    onClientError(runtime(), Object.assign(new Error('upgrade not supported'), { code: 'PORTCULLIS_UPGRADE' }), socket as Socket, interceptContexts.has(req.socket));
  };
  outer.on('upgrade', refuseUpgrade);
  inner.on('upgrade', refuseUpgrade);
  return { outer, inner };
}

// Parse failures mean framing can no longer be trusted: answer once and close (SPEC §2).
function onClientError(rt: Runtime, err: NodeJS.ErrnoException, socket: Socket, intercepted: boolean): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
    socket.destroy();
    return;
  }
  const ex = new Exchange();
  ex.intercepted = intercepted;
  const context = interceptContexts.get(socket);
  if (context !== undefined) {
    ex.identity = context.identity;
    ex.host = context.host;
    ex.port = context.port;
  }
  let code: DenyCode = 'ambiguous_request';
  let message = `malformed request: ${err.message}`;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    code = 'headers_too_large';
    message = `request headers are over the limit of ${rt.config.limits.maxHeaderBytes} bytes`;
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT') {
    socket.destroy();
    return;
  } else if (err.code === 'PORTCULLIS_UPGRADE') {
    message = 'protocol upgrades (WebSocket) are not supported through the gateway';
  }
  ex.refuse(code, message);
  writeRawRefusal(socket, refusalOf(ex, code, statusOf(code), message));
  finish(rt, ex);
}
