import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exchange } from '../exchange.ts';
import type { Runtime } from '../runtime.ts';
import { forward } from './forward.ts';
import { Upstreams, type UpstreamTarget } from './upstream.ts';

const upstream = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 }).end('hello');
});
const upstreams = new Upstreams({ upstreamCa: [], timeoutMs: 5_000 });
let target: UpstreamTarget;

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  target = { scheme: 'http', host: '127.0.0.1', ip: '127.0.0.1', port };
});
afterAll(async () => {
  await upstreams.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('forward', () => {
  it('streams the response, counts it, and leaves nothing of the exchange on the agent response', async () => {
    const rt = { upstreams } as unknown as Runtime;
    const ex = new Exchange();
    let listenersBefore = -1;
    let response: ServerResponse | null = null;
    const done = new Promise<void>((resolve, reject) => {
      const agentSide = http.createServer((req: IncomingMessage, res: ServerResponse) => {
        response = res;
        listenersBefore = res.listenerCount('close') + res.listenerCount('drain');
        forward(rt, ex, req, res, target, '/x', new Map(), 1_000_000, null, null).then(resolve, reject);
      });
      agentSide.listen(0, '127.0.0.1', async () => {
        const { port } = agentSide.address() as AddressInfo;
        const answer = await fetch(`http://127.0.0.1:${port}/x`);
        expect(await answer.text()).toBe('hello');
        expect(answer.headers.get('x-portcullis-request-id')).toBe(ex.id);
        agentSide.close();
      });
    });
    await done;
    expect(ex.status).toBe(200);
    expect(ex.responseBytes).toBe(5);
    expect(ex.upstreamMs).toBeGreaterThan(0);
    // The relay's listeners go when the exchange ends: what they reach (exchange, meter) must
    // not live on with a keep-alive socket.
    const res = response as ServerResponse | null;
    expect(res).not.toBeNull();
    expect(res!.listenerCount('close') + res!.listenerCount('drain')).toBe(listenersBefore);
  });

  it('rejects with upstream_error when the upstream cannot be reached, before any response', async () => {
    const rt = { upstreams } as unknown as Runtime;
    const ex = new Exchange();
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await new Promise<unknown>((resolve) => {
      const agentSide = http.createServer((req: IncomingMessage, res: ServerResponse) => {
        forward(rt, ex, req, res, { ...target, port }, '/x', new Map(), 1_000_000, null, null).then(
          () => resolve('resolved'),
          (err: unknown) => { res.end(); resolve(err); },
        );
      });
      agentSide.listen(0, '127.0.0.1', async () => {
        const { port: agentPort } = agentSide.address() as AddressInfo;
        await (await fetch(`http://127.0.0.1:${agentPort}/x`)).text();
        agentSide.close();
      });
    });
    expect(outcome).toMatchObject({ code: 'upstream_error' });
    expect(ex.status).toBeNull();
  });
});
