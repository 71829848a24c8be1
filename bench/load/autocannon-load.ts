// autocannon where it can run (issue 7): plain-HTTP requests, origin-form straight to the
// upstream, or absolute-URI (`GET http://host:port/item`) to the proxy over its mTLS listener
// with the agent's client certificate. It cannot CONNECT, so the HTTPS cases use undici.
import autocannon from 'autocannon';
import type { AutocannonLoad, ClientInit, LoadFigures } from '../lib/messages.ts';

export async function autocannonLoad(init: ClientInit, load: AutocannonLoad): Promise<LoadFigures> {
  const authority = `${load.host}:${load.port}`;
  const proxied = load.proxyPort !== null;
  const result = await autocannon({
    url: proxied ? `https://127.0.0.1:${load.proxyPort}` : `http://127.0.0.1:${load.port}`,
    connections: load.connections,
    duration: load.seconds,
    ...(proxied ? { tlsOptions: { cert: init.agentCert, key: init.agentKey, servername: 'localhost' } } : {}),
    requests: [{ method: 'GET', path: proxied ? `http://${authority}${load.path}` : load.path, headers: { host: authority } }],
  });
  return {
    requests: result['2xx'],
    errors: result.errors + result.timeouts + result.non2xx,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
