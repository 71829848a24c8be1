// Real clients for end-to-end tests: raw CONNECT over TLS (to see exactly what the gateway
// answers), Node's http client over an intercepted tunnel, undici's ProxyAgent, and curl.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';

export interface ClientCert {
  readonly cert?: string;
  readonly key?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Opens a connection to the proxy: TLS (with an optional client certificate) or plain TCP. */
export function openProxy(port: number, options: { ca?: string; client?: ClientCert; plain?: boolean }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (options.plain) {
      const socket = netConnect(port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
      return;
    }
    const socket = tls.connect({
      host: '127.0.0.1', port, servername: 'localhost', ca: options.ca,
      ...(options.client?.cert ? { cert: options.client.cert, key: options.client.key } : {}),
    }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends `CONNECT authority` and reads the answer head (and, for a refusal, the body until
 * close). On 200 the socket is left open for the tunnel.
 */
export function sendConnect(socket: Socket, authority: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string> } | null = null;
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      if (head === null) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = parseHead(buffer.subarray(0, end).toString('latin1'));
        buffer = buffer.subarray(end + 4);
        if (head.status === 200) {
          socket.off('data', onData);
          if (buffer.length > 0) socket.unshift(buffer);
          resolve({ ...head, body: '' });
        }
      }
    };
    socket.on('data', onData);
    socket.once('end', () => {
      socket.off('data', onData);
      if (head === null) reject(new Error(`connection closed before a response: ${buffer.toString()}`));
      else if (head.status !== 200) resolve({ ...head, body: buffer.toString('utf8') });
    });
    socket.once('error', reject);
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n${lines}\r\n`);
  });
}

/** Writes raw bytes and collects everything until the peer closes (or `timeoutMs`). */
export function rawExchange(socket: Socket, bytes: string, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve({ text, closed: false }), timeoutMs);
    socket.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.once('error', () => undefined);
    socket.write(bytes);
  });
}

export function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

/**
 * TLS inside an established tunnel, trusting the interception CA. `servername` is the SNI sent
 * (none for an IP literal); the certificate is checked against `verifyHost` (default: the SNI).
 */
export function tlsInTunnel(socket: Socket, servername: string | null, ca: string, verifyHost = servername ?? ''): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const inner = tls.connect({
      socket, ca, ...(servername === null ? {} : { servername }),
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(verifyHost, cert),
    }, () => resolve(inner));
    inner.once('error', reject);
  });
}

export interface TunnelRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One HTTP request over an existing (tunnelled) socket with Node's own client. */
export async function requestOver(socket: Socket, options: TunnelRequest): Promise<RawResponse & { socket: Socket }> {
  return { ...(await keepAliveOver(socket)(options)), socket };
}

/**
 * Sequential requests over one existing (tunnelled) socket with Node's own keep-alive client:
 * every call reuses that same connection, and fails once the gateway has closed it.
 */
export function keepAliveOver(socket: Socket): (options: TunnelRequest) => Promise<RawResponse> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  (agent as unknown as { createConnection: () => Socket }).createConnection = () => socket;
  return (options) => new Promise((resolve, reject) => {
    const req = http.request({ agent, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
        resolve({ status: res.statusCode ?? 0, headers, body });
      });
    });
    req.once('error', reject);
    req.end(options.body);
  });
}

export interface CurlResult {
  readonly exitCode: number;
  readonly status: number;
  readonly body: string;
  readonly stderr: string;
}

/** Runs the real curl; `-w` appends the status after a marker so the body stays intact. */
export function curl(args: readonly string[], timeoutMs = 10_000): Promise<CurlResult> {
  const marker = '\n--portcullis-status--';
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', String(timeoutMs / 1000), '-w', `${marker}%{http_code}`, ...args],
      { timeout: timeoutMs + 2000 }, (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(marker);
        resolve({
          exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          status: at === -1 ? 0 : Number(stdout.slice(at + marker.length)),
          body: at === -1 ? stdout : stdout.slice(0, at),
          stderr,
        });
      });
  });
}
