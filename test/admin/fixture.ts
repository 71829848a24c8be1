// An admin server on 127.0.0.1:0 over real parts: a config loaded with loadConfig from a temp
// YAML file, the in-memory governance and counter store, a real Metrics registry and a file
// audit sink the tests fill with sealed lines.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AuditSource } from '../../src/admin/audit-source.ts';
import { auditSourceFor } from '../../src/admin/choose-audit-source.ts';
import type { AdminContext, HealthState } from '../../src/admin/context.ts';
import { Metrics } from '../../src/admin/metrics.ts';
import { startAdminServer, type AdminServer } from '../../src/admin/server.ts';
import type { CompiledConfig } from '../../src/config/compiled.ts';
import { ConfigError } from '../../src/config/issues.ts';
import { loadConfig } from '../../src/config/load.ts';
import { MemoryGovernance } from '../../src/governance/memory-governance.ts';
import { MemoryStore } from '../../src/limits/memory-store.ts';

export const ADMIN_TOKEN = 'admin-token-3f9c1e';
export const OPENAI_KEY = 'sk-test-never-shown-5521';

/** Agents `bot` (team finance, two budgets) and `observer` (report mode); a file audit sink. */
export function configYaml(options: { token?: boolean; extraAgent?: boolean; storeOnError?: 'allow' | 'deny' } = {}): string {
  return `version: 1
${options.storeOnError ? `store: { on_error: ${options.storeOnError} }\n` : ''}listen:
  proxy: { host: 127.0.0.1, port: 0 }
  admin: { host: 127.0.0.1, port: 0${options.token === false ? '' : ', token: "${env:ADMIN_TOKEN}"'} }
audit:
  sinks:
    - { type: file, path: audit.jsonl }
secrets:
  openai: "\${env:OPENAI_KEY}"
prices:
  default: { input_per_mtok: 1, output_per_mtok: 2 }
policies:
  web:
    rules:
      - { id: read, host: api.example.com, methods: [GET], paths: ["/v1/**"] }
      - id: deploy
        host: deploy.example.com
        methods: [POST]
        when: { flags: { release: true } }
      - id: llm
        host: api.openai.com
        methods: [POST]
        meter: openai
        inject: { headers: { authorization: "Bearer \${secret:openai}" } }
agents:
  bot:
    match: { cn: bot }
    team: finance
    policies: [web]
  observer:
    match: { cn: observer }
    mode: report
    policies: [web]
${options.extraAgent ? `  newcomer:
    match: { cn: newcomer }
    policies: [web]
` : ''}budgets:
  bot:
    - { id: daily, limit_usd: 50, per: day }
  team:finance:
    - { id: monthly, limit_usd: 2000, per: month }
`;
}

/** A Response whose JSON body is read loosely, for field-by-field assertions. */
export type AdminResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface AdminFixture {
  readonly base: string;
  readonly dir: string;
  readonly configFile: string;
  readonly auditFile: string;
  readonly governance: MemoryGovernance;
  readonly store: MemoryStore;
  readonly metrics: Metrics;
  readonly health: { -readonly [K in keyof HealthState]: HealthState[K] };
  readonly tunnels: Map<string, number>;
  config(): CompiledConfig;
  /** fetch against the admin server, with the admin token unless `auth: false` or a header is given. */
  call(path: string, init?: RequestInit & { auth?: boolean | string }): Promise<AdminResponse>;
  close(): Promise<void>;
}

const ENV = { ADMIN_TOKEN, OPENAI_KEY };

export interface StartOptions {
  readonly token?: boolean;
  readonly auditSource?: (config: CompiledConfig) => AuditSource | null;
  readonly requestTimeoutMs?: number;
  readonly storeOnError?: 'allow' | 'deny';
}

export async function startAdmin(options: StartOptions = {}): Promise<AdminFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-admin-'));
  const configFile = join(dir, 'portcullis.yaml');
  await writeFile(configFile, configYaml(options));
  let config = await loadConfig(configFile, { env: ENV });
  const log = pino({ level: 'silent' });
  const governance = new MemoryGovernance({ log });
  const store = new MemoryStore();
  const metrics = new Metrics();
  metrics.setConfig(config);
  const health = { configLoaded: true, listening: true, storeHealthy: true, auditAvailable: true };
  const tunnels = new Map<string, number>();
  const auditSource = options.auditSource ?? ((c: CompiledConfig) => auditSourceFor(c, () => {
    throw new Error('no redis in this fixture');
  }));

  const ctx: AdminContext = {
    config: () => config,
    reload: async () => {
      try {
        config = await loadConfig(configFile, { env: ENV });
      } catch (err) {
        if (err instanceof ConfigError) {
          metrics.configReload('failure');
          return { ok: false, issues: err.issues };
        }
        throw err;
      }
      metrics.configReload('success');
      metrics.setConfig(config);
      return { ok: true, version: config.version };
    },
    governance,
    budgets: (agentId) => {
      const agent = config.policy.agents.get(agentId);
      return store.budgetStates(agentId, agent?.team ?? null, config.budgets.get(agentId) ?? [], Date.now());
    },
    health: () => health,
    openTunnels: (agentId) => tunnels.get(agentId) ?? 0,
    metrics,
    auditSource: () => auditSource(config),
    now: Date.now,
  };
  const server: AdminServer = await startAdminServer(ctx, {
    host: '127.0.0.1',
    port: 0,
    token: options.token === false ? null : config.listen.admin?.token ?? null,
    log,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  const base = `http://127.0.0.1:${server.address.port}`;
  return {
    base,
    dir,
    configFile,
    auditFile: join(dir, 'audit.jsonl'),
    governance,
    store,
    metrics,
    health,
    tunnels,
    config: () => config,
    call: (path, init = {}) => {
      const { auth = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth !== false && !headers.has('authorization')) {
        headers.set('authorization', `Bearer ${typeof auth === 'string' ? auth : ADMIN_TOKEN}`);
      }
      return fetch(base + path, { ...rest, headers });
    },
    close: async () => {
      await server.close();
      await governance.close();
      await store.close();
    },
  };
}

/** The `error` object of a refusal, after checking status and content type. */
export async function errorOf(response: AdminResponse, status: number): Promise<{ code: string; message: string; [key: string]: unknown }> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  if (!response.headers.get('content-type')?.startsWith('application/json')) throw new Error(`not JSON: ${response.headers.get('content-type')}`);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  if (Object.keys(body).join() !== 'error') throw new Error(`unexpected members: ${text}`);
  return body.error;
}
