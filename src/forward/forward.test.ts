import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
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
  it('streams the response, counts it, and leaves nothing of the exchange on the pooled upstream body', async () => {
    let body: Readable | null = null;
    // The real pools, with the response body kept for inspection after the exchange is over.
    const rt = {
      upstreams: {
        request: async (t: UpstreamTarget, options: Parameters<Upstreams['request']>[1]) => {
          const response = await upstreams.request(t, options);
          body = response.body;
          return response;
        },
      },
    } as unknown as Runtime;
    const ex = new Exchange();
    const done = new Promise<void>((resolve, reject) => {
      const agentSide = http.createServer((req: IncomingMessage, res: ServerResponse) => {
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
    const used = body as Readable | null;
    expect(used).not.toBeNull();
    // The body can outlive the request, and what its listeners reach would outlive it too (into
    // the old generation): only a no-op error listener may remain.
    expect(used!.listenerCount('data')).toBe(0);
    expect(used!.listenerCount('end')).toBe(0);
    const errorListeners = used!.listeners('error');
    expect(errorListeners).toHaveLength(1);
    expect(errorListeners[0]!.length).toBe(0);
  });
});
