import { describe, expect, it } from 'vitest';
import { agentResponseHeaders, upstreamRequestHeaders } from './headers.ts';

describe('upstreamRequestHeaders', () => {
  it('drops hop-by-hop headers, those named in Connection, and proxy credentials; keeps casing and repeats', () => {
    const raw = ['Host', 'api.test', 'Connection', 'keep-alive, X-Trace', 'X-Trace', '1', 'Keep-Alive', 'timeout=5',
      'Proxy-Authorization', 'Basic abc', 'TE', 'trailers', 'Upgrade', 'h2c', 'X-Multi', 'a', 'X-Multi', 'b', 'Accept', '*/*'];
    expect(upstreamRequestHeaders(raw, new Map())).toEqual(['Host', 'api.test', 'X-Multi', 'a', 'X-Multi', 'b', 'Accept', '*/*']);
  });

  it('an injected header replaces every agent-supplied header of that name, in any case', () => {
    const raw = ['Authorization', 'Bearer agent', 'authorization', 'Bearer again', 'Accept', 'x'];
    expect(upstreamRequestHeaders(raw, new Map([['authorization', 'Bearer injected']])))
      .toEqual(['Accept', 'x', 'authorization', 'Bearer injected']);
  });
});

describe('agentResponseHeaders', () => {
  it('drops hop-by-hop response headers and those the upstream named in Connection', () => {
    expect(agentResponseHeaders({ 'content-type': 'text/plain', connection: 'x-internal', 'x-internal': '1', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'] }))
      .toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });
});
