// Wiring: builds every stage from one CompiledConfig and starts the listeners. The only file
// that knows all the stages; the order a request takes lives in pipeline.ts.
//
// Two lifetimes: process-wide parts (listeners, audit chain, counter store, governance,
// metrics, open-connection tracker) are built once; config-derived parts (policy, destination
// guard, upstream pools, leaf cache, prices) are rebuilt on every reload and swapped in at
// once, so a request runs start to end under the Runtime it started with.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { AdminContext, ReloadOutcome } from './admin/context.ts';
import { auditSourceFor } from './admin/choose-audit-source.ts';
import { Metrics } from './admin/metrics.ts';
import { startAdminServer, type AdminServer } from './admin/server.ts';
import { AuditLog } from './audit/audit-log.ts';
import type { CompiledConfig } from './config/compiled.ts';
import { ConfigError, ConfigReadError, type ConfigIssue } from './config/issues.ts';
import { reclaimMemory } from './config/reclaim-memory.ts';
import { loadConfig, type LoadOptions } from './config/load.ts';
import { DestinationGuard } from './destination/classify.ts';
import { Resolver } from './destination/resolve.ts';
import { Upstreams } from './forward/upstream.ts';
import { createGovernance } from './governance/create-governance.ts';
import type { Governance } from './governance/types.ts';
import { loadInterceptionCa } from './intercept/ca.ts';
import { LeafCache } from './intercept/leaf-cache.ts';
import { createCounterStore } from './limits/create-store.ts';
import { createRedisClient, type RedisClient } from './limits/redis-client.ts';
import type { CounterStore } from './limits/types.ts';
import { createProxyServers, type ProxyServers } from './listener/proxy-server.ts';
import { proxyTlsOptions } from './listener/proxy-tls.ts';
import { ConnectionTracker } from './listener/tracker.ts';
import { PriceTable } from './metering/prices.ts';
import type { DecideContext } from './policy/types.ts';
import type { Runtime } from './runtime.ts';

export interface GatewayOptions {
  readonly log?: Logger;
  /** Injected clock (epoch ms) for schedules and budget windows in tests. */
  readonly now?: () => number;
  /** Addresses the gateway must never dial besides its own listeners (added automatically). */
  readonly selfAddresses?: readonly string[];
  /** The file to reload from (SIGHUP, file change, POST /v1/reload); default `config.file`. */
  readonly loadOptions?: LoadOptions;
}

/** What never changes on reload: a change to it needs a restart. */
interface ProcessParts {
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly tracker: ConnectionTracker;
  readonly store: CounterStore;
  readonly governance: Governance;
  readonly metrics: Metrics;
  readonly guardSelf: { address: string; port?: number }[];
  readonly now: () => number;
}

export class Gateway {
  #runtime: Runtime;
  readonly #parts: ProcessParts;
  readonly #servers: ProxyServers;
  readonly #options: GatewayOptions;
  readonly #redisClients: RedisClient[] = [];
  #admin: AdminServer | null = null;
  #proxyAddress: AddressInfo | null = null;
  #reloading: Promise<ReloadOutcome> | null = null;

  private constructor(runtime: Runtime, parts: ProcessParts, options: GatewayOptions) {
    this.#runtime = runtime;
    this.#parts = parts;
    this.#options = options;
    this.#servers = createProxyServers(() => this.#runtime);
  }

  static async start(config: CompiledConfig, options: GatewayOptions = {}): Promise<Gateway> {
    const log = options.log ?? pino({ name: 'portcullis' }, pino.destination(2));
    const now = options.now ?? Date.now;
    const metrics = new Metrics();
    const audit = new AuditLog(config.audit.sinks, config.version, {
      log,
      redisUrl: config.store.url,
      onDrop: (sink, count) => metrics.auditDropped(sink, count),
    });
    const tracker = new ConnectionTracker();
    const store = createCounterStore(config.store.url);
    const governance = await createGovernance(config.store.url, { log, now });
    const parts: ProcessParts = {
      log, audit, tracker, store, governance, metrics, now,
      guardSelf: (options.selfAddresses ?? []).map((address) => ({ address })),
    };
    // A suspension closes the agent's open tunnels and keep-alive connections on every replica.
    governance.onSuspend((agent) => (agent === '*' ? tracker.destroyAll() : tracker.destroyAgent(agent)));
    metrics.countTunnelsWith(() => tracker.size);
    metrics.readAuditQueuesFrom(() => audit.stats());
    metrics.setConfig(config);

    const gateway = new Gateway(await buildRuntime(config, parts), parts, options);
    gateway.#reclaimMemory();
    await gateway.#listen(config);
    return gateway;
  }

  #reclaimMemory(): void {
    const started = performance.now();
    const freedMb = reclaimMemory();
    if (freedMb !== null) {
      this.#parts.log.info({ freedMb: Math.round(freedMb), pauseMs: Math.round(performance.now() - started) }, 'memory left by config loading returned to the OS');
    }
  }

  get runtime(): Runtime {
    return this.#runtime;
  }

  get proxyAddress(): AddressInfo {
    if (this.#proxyAddress === null) throw new Error('the proxy is not listening');
    return this.#proxyAddress;
  }

  get adminAddress(): AddressInfo | null {
    return this.#admin?.address ?? null;
  }

  /**
   * Load, validate and swap the config (SIGHUP, file change, POST /v1/reload). An invalid
   * config is refused, logged with its located errors and counted; the old one stays.
   * Concurrent calls share one reload.
   */
  reload(): Promise<ReloadOutcome> {
    this.#reloading ??= this.#reload().finally(() => { this.#reloading = null; });
    return this.#reloading;
  }

  async #reload(): Promise<ReloadOutcome> {
    const { log, metrics, audit } = this.#parts;
    const old = this.#runtime.config;
    const fail = (issues: readonly ConfigIssue[]): ReloadOutcome => {
      metrics.configReload('failure');
      log.error({ issues: issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`) }, 'config reload refused; the old config stays in force');
      return { ok: false, issues };
    };
    let config: CompiledConfig;
    try {
      config = await loadConfig(old.file, this.#options.loadOptions);
    } catch (err) {
      if (err instanceof ConfigError) return fail(err.issues);
      if (err instanceof ConfigReadError) return fail([{ file: err.file, line: 0, column: 0, path: '(file)', message: err.message }]);
      throw err;
    }
    const fixed = restartOnlyChanges(old, config);
    if (fixed.length > 0) return fail(fixed);
    let runtime: Runtime;
    try {
      runtime = await buildRuntime(config, this.#parts, this.#runtime);
      const tls = config.listen.proxy.tls;
      // Re-read even when the paths are the same: this is how a rotated certificate or CRL is picked up.
      if (tls !== null && 'setSecureContext' in this.#servers.outer) {
        (this.#servers.outer as import('node:https').Server).setSecureContext(proxyTlsOptions(tls));
      }
    } catch (err) {
      return fail([{ file: config.file, line: 0, column: 0, path: '(build)', message: (err as Error).message }]);
    }
    const previous = this.#runtime;
    this.#runtime = runtime;
    audit.setPolicyVersion(config.version);
    metrics.setConfig(config);
    metrics.configReload('success');
    log.info({ policyVersion: config.version, previous: old.version }, 'config reloaded');
    this.#reclaimMemory();
    // Pools finish their in-flight requests before they close.
    void previous.upstreams.close();
    return { ok: true, version: config.version };
  }

  /** Stop accepting, let in-flight requests finish up to `deadlineMs`, then close everything. */
  async close(deadlineMs = 30_000): Promise<void> {
    const { tracker, log } = this.#parts;
    const servers = this.#servers;
    await this.#admin?.close();
    const closed = new Promise<void>((resolve) => servers.outer.close(() => resolve()));
    servers.outer.closeIdleConnections();
    servers.inner.closeIdleConnections();
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(resolve, deadlineMs, 'deadline').unref());
    const drained = (async () => {
      await closed;
      while (tracker.size > 0) {
        servers.inner.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    if (await Promise.race([drained, deadline]) === 'deadline') {
      log.warn({ open: tracker.size }, 'drain deadline passed; closing remaining connections');
      tracker.destroyAll();
      servers.outer.closeAllConnections();
      servers.inner.closeAllConnections();
      await closed;
    }
    await this.#runtime.upstreams.close();
    await this.#parts.governance.close();
    await this.#parts.store.close();
    for (const client of this.#redisClients) client.disconnect();
    await this.#parts.audit.close();
  }

  async #listen(config: CompiledConfig): Promise<void> {
    const { host, port } = config.listen.proxy;
    const outer = this.#servers.outer;
    await new Promise<void>((resolve, reject) => {
      outer.once('error', reject);
      outer.listen(port, host, () => {
        outer.off('error', reject);
        resolve();
      });
    });
    this.#proxyAddress = outer.address() as AddressInfo;
    this.#parts.guardSelf.push({ address: this.#proxyAddress.address, port: this.#proxyAddress.port });
    this.#runtime.guard.addSelf(this.#proxyAddress.address, this.#proxyAddress.port);
    const admin = config.listen.admin;
    if (admin !== null) {
      this.#admin = await startAdminServer(this.#adminContext(), { host: admin.host, port: admin.port, token: admin.token, log: this.#parts.log });
      this.#parts.guardSelf.push({ address: this.#admin.address.address, port: this.#admin.address.port });
      this.#runtime.guard.addSelf(this.#admin.address.address, this.#admin.address.port);
    }
    this.#parts.log.info({
      address: this.#proxyAddress.address, port: this.#proxyAddress.port, tls: config.listen.proxy.tls !== null,
      admin: this.#admin?.address ?? null, policyVersion: config.version, agents: config.policy.agents.size,
      store: config.store.url === null ? 'memory' : 'redis',
    }, 'proxy listening');
  }

  #adminContext(): AdminContext {
    const parts = this.#parts;
    let source: ReturnType<typeof auditSourceFor> | undefined;
    return {
      config: () => this.#runtime.config,
      reload: () => this.reload(),
      governance: parts.governance,
      budgets: async (agentId) => {
        const config = this.#runtime.config;
        const agent = config.policy.agents.get(agentId);
        return parts.store.budgetStates(agentId, agent?.team ?? null, config.budgets.get(agentId) ?? [], parts.now());
      },
      health: () => ({
        configLoaded: true,
        listening: this.#servers.outer.listening,
        storeHealthy: parts.store.healthy && parts.governance.healthy,
        auditAvailable: parts.audit.available,
      }),
      openTunnels: (agentId) => parts.tracker.count(agentId),
      metrics: parts.metrics,
      auditSource: () => {
        source ??= auditSourceFor(this.#runtime.config, (url) => {
          const client = createRedisClient(url);
          // A failed read answers 503 and is logged by the route; without a listener ioredis
          // would also print every reconnect attempt to the console.
          client.on('error', (err: Error) => parts.log.debug({ err: err.message }, 'audit source redis connection error'));
          this.#redisClients.push(client);
          return client;
        });
        return source;
      },
      now: parts.now,
    };
  }
}

/** Kept for callers that prefer a function: `Gateway.start`. */
export function startGateway(config: CompiledConfig, options: GatewayOptions = {}): Promise<Gateway> {
  return Gateway.start(config, options);
}

async function buildRuntime(config: CompiledConfig, parts: ProcessParts, previous?: Runtime): Promise<Runtime> {
  const guard = new DestinationGuard({ ...config.network, selfAddresses: parts.guardSelf });
  const interception = config.interception;
  const ca = interception === null ? null : await loadInterceptionCa({ cert: interception.caCert, key: interception.caKey });
  // Leaves are issued on first use, not for every configured host at start: with thousands of
  // hosts that was hundreds of MB and seconds of event loop, on every reload too. A reload with
  // the same CA keeps the leaves already made.
  const leaves = ca === null ? null
    : previous?.leaves?.caChainPem === ca.chainPem ? previous.leaves
      : new LeafCache({
        ca,
        maxEntries: 10_000,
        observe: { lookup: (hit) => parts.metrics.leafCache(hit), issued: (seconds) => parts.metrics.leafIssued(seconds) },
      });
  const { governance, now } = parts;
  const flag = (name: string): boolean => governance.flag(name);
  return {
    config,
    log: parts.log,
    guard,
    resolver: new Resolver({ staticMap: config.network.resolve, guard }),
    upstreams: new Upstreams({
      upstreamCa: (interception?.upstreamCa ?? []).map((file) => readFileSync(file, 'utf8')),
      timeoutMs: config.limits.upstreamTimeoutMs,
    }),
    leaves,
    prices: new PriceTable(config.prices),
    audit: parts.audit,
    tracker: parts.tracker,
    store: parts.store,
    governance,
    metrics: parts.metrics,
    now,
    decideContext: (): DecideContext => ({ now: now(), flag }),
  };
}

/** Settings bound to sockets, connections and the audit chain: a reload cannot change them. */
function restartOnlyChanges(old: CompiledConfig, next: CompiledConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (path: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      issues.push({ file: next.file, line: 0, column: 0, path, message: `${path} cannot change on reload; restart the gateway to apply it` });
    }
  };
  check('listen.proxy.host', old.listen.proxy.host, next.listen.proxy.host);
  check('listen.proxy.port', old.listen.proxy.port, next.listen.proxy.port);
  check('listen.proxy.tls', old.listen.proxy.tls === null, next.listen.proxy.tls === null);
  check('listen.admin', old.listen.admin, next.listen.admin);
  check('store.url', old.store.url, next.store.url);
  check('audit.sinks', old.audit.sinks, next.audit.sinks);
  return issues;
}
