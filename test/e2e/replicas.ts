// Two gateways sharing one private Redis (SPEC §9): what the governance and approval tests run
// against, on a single redis-server or a three-node Cluster. Each replica has its own admin
// listener and audit file, so a test can act through one and observe the other.
import { afterAll, beforeAll } from 'vitest';
import { curl, type CurlResult } from '../helpers/clients.ts';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/gateway.ts';
import { startRedis } from '../helpers/redis.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { makeFixture, type Fixture, type GatewayContext } from './fixture.ts';

export const ADMIN_TOKEN = 'e2e-admin-token-7c21';

export interface Replicas {
  fx: Fixture;
  /** The store the replicas share: its `store.url`. */
  store: { readonly url: string; stop(): Promise<void> };
  a: TestGateway;
  b: TestGateway;
  /** The HTTPS upstream's port. */
  up: number;
  /** For agentDispatcher / tokenDispatcher, which take a GatewayContext. */
  on(gw: TestGateway): GatewayContext;
}

/** Registers the hooks: one Redis (or Cluster), one fixture, replicas `a` and `b` on `body(fx)` with an admin listener. */
export function useReplicas(body: (fx: Fixture) => string, extra: Partial<TestGatewayOptions> = {}, on: 'redis' | 'cluster' = 'redis'): Replicas {
  const r = {} as Replicas;
  beforeAll(async () => {
    r.store = on === 'redis' ? await startRedis() : await startRedisCluster();
    r.fx = await makeFixture();
    r.up = r.fx.upstream.port;
    const options = { body: body(r.fx), storeUrl: r.store.url, adminToken: ADMIN_TOKEN, ...extra };
    r.a = await startTestGateway(r.fx.pki, { ...options, name: 'replica-a' });
    r.b = await startTestGateway(r.fx.pki, { ...options, name: 'replica-b' });
    r.on = (gw) => ({ fx: r.fx, gw, up: r.up });
  }, 30_000);
  afterAll(async () => {
    await r.a?.close();
    await r.b?.close();
    await r.fx?.close();
    await r.store?.stop();
  });
  return r;
}

/**
 * Calls `probe` until `done` holds for its result or `timeoutMs` has passed; returns the last
 * result and how long it took to get it (bounded: a few probes per 25 ms at most).
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    const elapsedMs = performance.now() - started;
    if (done(value) || elapsedMs > timeoutMs) return { value, elapsedMs };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** curl through `gw` with `agent`'s client certificate: absolute-URI for http://, CONNECT for https://. */
export function curlVia(fx: Fixture, gw: TestGateway, agent: string, url: string): Promise<CurlResult> {
  const pair = fx.pki.agents[agent]!;
  return curl(['--proxy', gw.proxyUrl, '--proxy-cacert', fx.pki.interceptionCa.certFile,
    '--proxy-cert', pair.certFile, '--proxy-key', pair.keyFile, '--cacert', fx.pki.interceptionCa.certFile, url]);
}

/** The last audit record of `gw` that `predicate` picks, waiting up to 3 s for it to be written. */
export async function recordOn(gw: TestGateway, predicate: (r: Record<string, any>) => boolean): Promise<Record<string, any> | undefined> {
  const { value } = await eventually(async () => (await gw.records()).filter(predicate).at(-1), (found) => found !== undefined, 3000);
  return value;
}

/** One sample value of a Prometheus text exposition, e.g. `name{a="b"}`; null when absent. */
export function sample(metrics: string, series: string): number | null {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}
