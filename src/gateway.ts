// Wiring: builds every stage from one CompiledConfig and starts the listeners. The only file
// that knows all the stages; the order a request takes lives in pipeline.ts.
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { AuditLog } from './audit/audit-log.ts';
import type { CompiledConfig } from './config/compiled.ts';
import { DestinationGuard } from './destination/classify.ts';
import { Resolver } from './destination/resolve.ts';
import { Upstreams } from './forward/upstream.ts';
import { loadInterceptionCa } from './intercept/ca.ts';
import { LeafCache } from './intercept/leaf-cache.ts';
import { createProxyServers, type ProxyServers } from './listener/proxy-server.ts';
import { ConnectionTracker } from './listener/tracker.ts';
import type { DecideContext } from './policy/types.ts';
import type { Runtime } from './runtime.ts';

export interface GatewayOptions {
  readonly log?: Logger;
  /** Injected clock (epoch ms) for schedules in tests. */
  readonly now?: () => number;
  /** Extra addresses the gateway must never dial (its own listeners are added automatically). */
  readonly selfAddresses?: readonly string[];
}

export interface Gateway {
  readonly runtime: Runtime;
  readonly proxyAddress: AddressInfo;
  /** Stop accepting, let in-flight requests finish up to `deadlineMs`, then close everything. */
  close(deadlineMs?: number): Promise<void>;
}

export async function startGateway(config: CompiledConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ?? pino({ name: 'portcullis' }, pino.destination(2));
  const guard = new DestinationGuard({ ...config.network, selfAddresses: (options.selfAddresses ?? []).map((address) => ({ address })) });
  const runtime = await buildRuntime(config, log, guard, options);
  if (runtime.leaves !== null && config.policy.exactHosts.length > 0) {
    await runtime.leaves.preIssue(config.policy.exactHosts);
  }
  const servers = createProxyServers(() => runtime);
  const { host, port } = config.listen.proxy;
  await new Promise<void>((resolve, reject) => {
    servers.outer.once('error', reject);
    servers.outer.listen(port, host, () => {
      servers.outer.off('error', reject);
      resolve();
    });
  });
  const proxyAddress = servers.outer.address() as AddressInfo;
  guard.addSelf(proxyAddress.address, proxyAddress.port);
  log.info({ address: proxyAddress.address, port: proxyAddress.port, tls: config.listen.proxy.tls !== null,
    policyVersion: config.version, agents: config.policy.agents.size }, 'proxy listening');
  return {
    runtime,
    proxyAddress,
    close: (deadlineMs = 30_000) => shutdown(runtime, servers, deadlineMs),
  };
}

async function buildRuntime(config: CompiledConfig, log: Logger, guard: DestinationGuard, options: GatewayOptions): Promise<Runtime> {
  const now = options.now ?? Date.now;
  const flags = new Map<string, boolean>();
  const flag = (name: string): boolean => flags.get(name) === true;
  const interception = config.interception;
  return {
    config,
    log,
    resolver: new Resolver({ staticMap: config.network.resolve, guard }),
    upstreams: new Upstreams({
      upstreamCa: (interception?.upstreamCa ?? []).map((file) => readFileSync(file, 'utf8')),
      timeoutMs: config.limits.upstreamTimeoutMs,
    }),
    leaves: interception === null ? null : new LeafCache({
      ca: await loadInterceptionCa({ cert: interception.caCert, key: interception.caKey }),
      maxEntries: 10_000,
    }),
    audit: new AuditLog(config.audit.sinks, config.version),
    tracker: new ConnectionTracker(),
    flags,
    now,
    decideContext: (): DecideContext => ({ now: now(), flag }),
  };
}

async function shutdown(rt: Runtime, servers: ProxyServers, deadlineMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => servers.outer.close(() => resolve()));
  servers.outer.closeIdleConnections();
  servers.inner.closeIdleConnections();
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(resolve, deadlineMs, 'deadline').unref());
  const drained = (async () => {
    await closed;
    while (rt.tracker.size > 0) {
      servers.inner.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  if (await Promise.race([drained, deadline]) === 'deadline') {
    rt.log.warn({ open: rt.tracker.size }, 'drain deadline passed; closing remaining connections');
    rt.tracker.destroyAll();
    servers.outer.closeAllConnections();
    servers.inner.closeAllConnections();
    await closed;
  }
  await rt.upstreams.close();
  await rt.audit.close();
}
