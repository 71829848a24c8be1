// A real local upstream for end-to-end tests: HTTPS (test CA) or HTTP on 127.0.0.1:0. It
// records every request it saw, so tests assert on what actually crossed the gateway
// (header hygiene, injection, and that refused requests never arrived).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { answerAsProvider } from './fake-providers.ts';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface TestUpstream {
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export interface UpstreamTls {
  readonly cert: string;
  readonly key: string;
}

/**
 * Routes: `/sse?n=N&delay=MS` (SSE), the provider APIs of fake-providers.ts (`/v1/chat/completions`,
 * `/v1/responses`, `/v1/messages`), `/status/NNN`, `/hold` (never ends), `/stall` (never answers),
 * anything else echoes.
 */
export async function startUpstream(tls?: UpstreamTls): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const open = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, body });
      open.add(res);
      res.once('close', () => open.delete(res));
      route(req, res, body);
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://upstream');
  if (url.pathname === '/sse') return sse(res, Number(url.searchParams.get('n') ?? 5), Number(url.searchParams.get('delay') ?? 20));
  if (answerAsProvider(url.pathname, req, res, body)) return;
  if (url.pathname === '/stall') return; // never answers: upstream timeouts
  if (url.pathname === '/cut') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
    res.write('0123456789', () => res.destroy());
    return;
  }
  if (url.pathname === '/hold') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('holding\n');
    return;
  }
  const status = /^\/status\/([0-9]{3})$/.exec(url.pathname);
  if (status) {
    res.writeHead(Number(status[1]), { location: 'https://elsewhere.test/' });
    res.end();
    return;
  }
  const echo = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(echo), 'x-upstream': 'yes' });
  res.end(echo);
}

function sse(res: ServerResponse, n: number, delayMs: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const tick = (): void => {
    if (res.destroyed) return;
    if (i === n) {
      res.end('data: [DONE]\n\n');
      return;
    }
    res.write(`data: {"i":${i++}}\n\n`);
    setTimeout(tick, delayMs);
  };
  tick();
}
