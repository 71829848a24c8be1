// Benchmark upstream, in its own process: the same routes over HTTPS and plain HTTP on
// 127.0.0.1:0. Prints `{"https":PORT,"http":PORT}` on stdout. Cert and key come as file paths.
//   /item  1 KB JSON          /big  100 KB body
//   /sse   an SSE stream of SSE_CHUNKS chunks, SSE_GAP_MS apart (the first at once)
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BIG_BYTES, ITEM_BYTES, SSE_CHUNKS, SSE_GAP_MS } from './lib/shape.ts';

const item = Buffer.from(JSON.stringify({ data: 'x'.repeat(ITEM_BYTES) }).slice(0, ITEM_BYTES - 2) + '"}');
const big = Buffer.alloc(BIG_BYTES, 'y');

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    res.write(`data: {"n":${sent},"text":"${'z'.repeat(60)}"}\n\n`);
    if (++sent === SSE_CHUNKS) res.end();
    else setTimeout(next, SSE_GAP_MS);
  };
  next();
}

function route(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const path = req.url ?? '/';
    if (path.startsWith('/sse')) return sse(res);
    const body = path.startsWith('/big') ? big : item;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
}

function listen(server: http.Server): Promise<number> {
  // Idle keep-alive connections (idle tunnels, slow rounds) must outlive a whole bench run.
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 610_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const [certFile, keyFile] = process.argv.slice(2);
const secure = https.createServer({ cert: readFileSync(certFile as string), key: readFileSync(keyFile as string) }, route);
const plain = http.createServer(route);
const ports = { https: await listen(secure), http: await listen(plain) };
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.on('SIGTERM', () => process.exit(0));
