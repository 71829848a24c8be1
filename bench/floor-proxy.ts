// The floor of issue 7: a bare Node interception proxy, measured in the same run as the
// gateway. What any Node proxy of this design must pay and nothing more: an https server
// behind the same mTLS listener settings, CONNECT answered, the agent's TLS terminated with
// ONE leaf made at start (ECDSA P-256 from the interception CA, as the gateway's), each inner
// request forwarded by an undici Pool and the response piped back. No identity, policy,
// limits, audit or metrics. A CONNECT to TUNNEL_HOST is a bare spliced tunnel (case 4), and
// absolute-URI requests on the listener are forwarded the same way (case 5).
// Every name resolves to 127.0.0.1. Prints `{"port":PORT}` on stdout.
//   node bench/floor-proxy.ts FILES.json   ({ cert, key, clientCa, interceptionCert, interceptionKey, upstreamCa })
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { Pool } from 'undici';
import { LeafIssuer } from '../src/intercept/leaf-issuer.ts';
import { authorityFromPem } from '../src/pki/authority.ts';
import { API_HOST, TUNNEL_HOST } from './lib/shape.ts';

interface FloorFiles {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string;
  readonly interceptionCert: string;
  readonly interceptionKey: string;
  readonly upstreamCa: string;
}

const files = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as FloorFiles;
const read = (file: string): string => readFileSync(file, 'utf8');
const issuer = new LeafIssuer(authorityFromPem(read(files.interceptionCert), read(files.interceptionKey)));
const leaf = await issuer.issue(API_HOST);
const leafContext = createSecureContext({ cert: leaf.chainPem, key: issuer.keyPem });
const upstreamCa = read(files.upstreamCa);
const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const pools = new Map<string, Pool>();
function poolFor(scheme: string, host: string, port: string): Pool {
  const key = `${scheme}://${host}:${port}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new Pool(`${scheme}://127.0.0.1:${port}`, { connect: { servername: host, ca: upstreamCa } });
    pools.set(key, pool);
  }
  return pool;
}

function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

async function forward(scheme: string, authority: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [host, port] = authority.split(':') as [string, string | undefined];
  try {
    const upstream = await poolFor(scheme, host, port ?? (scheme === 'https' ? '443' : '80')).request({
      method: req.method as string,
      path,
      headers: withoutHopByHop(req.headers),
      body: req.headers['content-length'] === undefined || req.headers['content-length'] === '0' ? null : req,
    });
    res.writeHead(upstream.statusCode, withoutHopByHop(upstream.headers as IncomingHttpHeaders));
    upstream.body.pipe(res);
  } catch {
    res.writeHead(502).end();
  }
}

function splice(client: Socket, head: Buffer, port: number): void {
  const upstream = connect(port, '127.0.0.1', () => {
    client.write(ESTABLISHED);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream).pipe(client);
  });
  const close = (): void => { client.destroy(); upstream.destroy(); };
  upstream.on('error', close).on('close', close);
  client.on('error', close).on('close', close);
}

/** Intercepted TLS socket → the CONNECT authority it was opened to. */
const authorities = new WeakMap<Socket, string>();

const inner = http.createServer({ keepAliveTimeout: 600_000 }, (req, res) => {
  void forward('https', authorities.get(req.socket) ?? API_HOST, req.url ?? '/', req, res);
});

const outer = https.createServer({
  cert: read(files.cert),
  key: read(files.key),
  ca: read(files.clientCa),
  requestCert: true,
  rejectUnauthorized: true,
  ALPNProtocols: ['http/1.1'],
  keepAliveTimeout: 600_000,
}, (req, res) => {
  const m = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(req.url ?? '');
  if (m === null) {
    res.writeHead(400).end();
    return;
  }
  void forward(m[1] as string, m[2] as string, m[3] ?? '/', req, res);
});

outer.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
  const authority = req.url ?? '';
  socket.on('error', () => socket.destroy());
  if (authority.startsWith(`${TUNNEL_HOST}:`)) {
    splice(socket, head, Number(authority.split(':')[1]));
    return;
  }
  socket.write(ESTABLISHED);
  if (head.length > 0) socket.unshift(head);
  const tls = new TLSSocket(socket, { isServer: true, secureContext: leafContext, ALPNProtocols: ['http/1.1'] });
  authorities.set(tls, authority);
  tls.on('error', () => { tls.destroy(); socket.destroy(); });
  tls.once('close', () => socket.destroy());
  inner.emit('connection', tls);
});

outer.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (outer.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
