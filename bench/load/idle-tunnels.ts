// Case 8: many intercepted tunnels held open and idle. Each is what an agent's keep-alive
// connection looks like between requests: mTLS to the proxy, CONNECT, the intercepted TLS
// session, one request answered. Opened a few dozen at a time, then left alone.
import { connect, type TLSSocket } from 'node:tls';
import type { ClientInit, IdleFigures, IdleOpen } from '../lib/messages.ts';

const OPENING_AT_ONCE = 32;
const held: TLSSocket[] = [];

/** Resolves with everything read until `done(text)` is true; rejects on close or error first. */
function readUntil(socket: TLSSocket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (!done(text)) return;
      cleanup();
      resolve(text);
    };
    const onEnd = (): void => { cleanup(); reject(new Error(`closed after ${JSON.stringify(text.slice(0, 80))}`)); };
    const cleanup = (): void => { socket.off('data', onData); socket.off('error', onEnd); socket.off('close', onEnd); };
    socket.on('data', onData);
    socket.once('error', onEnd);
    socket.once('close', onEnd);
  });
}

async function openOne(init: ClientInit, load: IdleOpen): Promise<void> {
  const { target } = load;
  const outer = connect({
    host: '127.0.0.1', port: target.proxyPort, servername: 'localhost',
    ca: init.interceptionCa, cert: init.agentCert, key: init.agentKey, ALPNProtocols: ['http/1.1'],
  });
  outer.on('error', () => outer.destroy());
  await new Promise<void>((resolve, reject) => { outer.once('secureConnect', resolve); outer.once('error', reject); });
  outer.write(`CONNECT ${target.host}:${target.port} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`);
  const answer = await readUntil(outer, (t) => t.includes('\r\n\r\n'));
  if (!answer.startsWith('HTTP/1.1 200')) throw new Error(`CONNECT answered ${answer.split('\r\n')[0]}`);
  const inner = connect({ socket: outer, servername: target.host, ca: init.interceptionCa, ALPNProtocols: ['http/1.1'] });
  inner.on('error', () => { inner.destroy(); outer.destroy(); });
  await new Promise<void>((resolve, reject) => { inner.once('secureConnect', resolve); inner.once('error', reject); });
  inner.write(`GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`);
  const response = await readUntil(inner, (t) => {
    const end = t.indexOf('\r\n\r\n');
    if (end === -1) return false;
    const length = /content-length: (\d+)/i.exec(t.slice(0, end));
    return length !== null && t.length >= end + 4 + Number(length[1]);
  });
  if (!response.startsWith('HTTP/1.1 200')) throw new Error(`request answered ${response.split('\r\n')[0]}`);
  held.push(inner);
}

export async function openIdleTunnels(init: ClientInit, load: IdleOpen): Promise<IdleFigures> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: OPENING_AT_ONCE }, async () => {
    while (next < load.count) {
      next++;
      try {
        await openOne(init, load);
      } catch {
        failed++;
      }
    }
  }));
  return { opened: held.length, failed, seconds: (performance.now() - started) / 1000 };
}

export async function closeIdleTunnels(): Promise<void> {
  const all = held.splice(0);
  await Promise.all(all.map((socket) => new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  })));
}
