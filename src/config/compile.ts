// The non-policy sections of a validated document → their CompiledConfig shape. Defaults
// where the file is silent (SPEC §4 names most of them):
//   listen omitted       → plain-HTTP proxy on 0.0.0.0:3128, no admin listener (an admin
//                          port is opened only when asked for)
//   store                → in-memory (url null), on_error: deny (fail closed)
//   network.deny_cidrs   → default (the built-in private/metadata list)
//   limits               → max_request_bytes 10485760 (10 MiB), max_header_bytes 65536,
//                          upstream_timeout 300s, idle_timeout 60s, no tunnel cap
//   audit                → required: false, sinks: [stdout] (every decision is recorded
//                          somewhere unless the operator lists sinks explicitly, even [])
//   prices.default       → none: unknown models are refused, never free (SPEC §5)
//   budget tz            → UTC
import { parseStoreUrl } from '../limits/store-url.ts';
import { compileBudgets } from './compile-budgets.ts';
import { compileNetwork } from './compile-network.ts';
import type { CompiledConfig } from './compiled.ts';
import { issueAt, type ConfigIssue, type KeyPath, type Locator } from './issues.ts';
import type { ConfigFile, SinkSpec } from './schema.ts';
import { parseDuration } from './units.ts';

export type CompiledSections = Omit<CompiledConfig, 'file' | 'files' | 'version' | 'policy' | 'redacted'>;

export const DEFAULTS = {
  proxy: { host: '0.0.0.0', port: 3128 },
  maxRequestBytes: 10_485_760,
  maxHeaderBytes: 65_536,
  upstreamTimeout: '300s',
  idleTimeout: '60s',
  sinks: [{ type: 'stdout' }] as readonly SinkSpec[],
} as const;

export function compileSections(config: ConfigFile, locate: Locator): { sections: CompiledSections; issues: ConfigIssue[] } {
  const network = compileNetwork(config.network, locate);
  const budgets = compileBudgets(config.budgets, config.agents, locate);
  const { listen, interception, store, limits, audit, prices } = config;
  const tls = listen?.proxy.tls;

  const sections: CompiledSections = {
    listen: {
      proxy: {
        host: listen?.proxy.host ?? DEFAULTS.proxy.host,
        port: listen?.proxy.port ?? DEFAULTS.proxy.port,
        tls: tls === undefined ? null : { cert: tls.cert, key: tls.key, clientCa: tls.client_ca, crl: tls.crl ?? null },
      },
      admin: listen?.admin === undefined ? null : { host: listen.admin.host, port: listen.admin.port, token: listen.admin.token ?? null },
    },
    interception: interception === undefined
      ? null
      : { caCert: interception.ca_cert, caKey: interception.ca_key, upstreamCa: interception.upstream_ca ?? [] },
    store: { url: store?.url ?? null, onError: store?.on_error ?? 'deny' },
    network: network.network,
    limits: {
      maxRequestBytes: limits?.max_request_bytes ?? DEFAULTS.maxRequestBytes,
      maxHeaderBytes: limits?.max_header_bytes ?? DEFAULTS.maxHeaderBytes,
      upstreamTimeoutMs: parseDuration(limits?.upstream_timeout ?? DEFAULTS.upstreamTimeout),
      idleTimeoutMs: parseDuration(limits?.idle_timeout ?? DEFAULTS.idleTimeout),
      maxTunnelsPerAgent: limits?.max_tunnels_per_agent ?? null,
    },
    audit: { required: audit?.required ?? false, sinks: audit?.sinks ?? DEFAULTS.sinks },
    prices: { default: prices?.default ?? null, models: new Map(Object.entries(prices?.models ?? {})) },
    budgets: budgets.budgets,
  };
  return { sections, issues: [...network.issues, ...budgets.issues, ...redisUrlIssues(config, locate)] };
}

/** A store URL no client could use is a config error, not a crash at start (or at the first reload). */
function redisUrlIssues(config: ConfigFile, locate: Locator): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (url: string | undefined, path: KeyPath): void => {
    if (url === undefined) return;
    try {
      parseStoreUrl(url);
    } catch (error) {
      issues.push(issueAt(locate, path, (error as Error).message));
    }
  };
  check(config.store?.url, ['store', 'url']);
  config.audit?.sinks?.forEach((sink, index) => {
    if (sink.type === 'redis-stream') check(sink.url, ['audit', 'sinks', index, 'url']);
  });
  return issues;
}
