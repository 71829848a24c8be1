// undici dispatchers of the load client, one per route and pool size, kept across rounds so a
// round measures requests, not the first handshakes (a warm-up round opens them).
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { ClientInit, Target } from '../lib/messages.ts';

const cache = new Map<string, Dispatcher>();

export function dispatcherFor(init: ClientInit, target: Target, connections: number): Dispatcher {
  const key = `${target.proxyPort}|${target.host}|${connections}`;
  let dispatcher = cache.get(key);
  if (dispatcher !== undefined) return dispatcher;
  // Intercepted: the leaf is the interception CA's; tunnelled or direct: the upstream's own.
  const ca = [init.interceptionCa, init.upstreamCa];
  dispatcher = target.proxyPort === null
    ? new Agent({ connect: { ca, servername: target.host }, connections })
    : new ProxyAgent({
      uri: `https://127.0.0.1:${target.proxyPort}`,
      proxyTls: { ca: init.interceptionCa, cert: init.agentCert, key: init.agentKey, servername: 'localhost' },
      requestTls: { ca, servername: target.host },
      connections,
    });
  cache.set(key, dispatcher);
  return dispatcher;
}

/** Direct runs dial 127.0.0.1 (SNI carries the name); proxied runs name the host, the proxy resolves it. */
export function urlOf(target: Target): string {
  return `https://${target.proxyPort === null ? '127.0.0.1' : target.host}:${target.port}${target.path}`;
}

export async function closeAll(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.allSettled(all.map((d) => d.destroy()));
}
