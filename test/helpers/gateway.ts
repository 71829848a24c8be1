// A real gateway for end-to-end tests: config written as YAML to a temp dir (so the loader
// and compiler run exactly as in production), proxy on 127.0.0.1:0, audit to a file the test
// reads back. Test host names point at 127.0.0.1 through `network.resolve`.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import type { TestPki } from './pki.ts';

export const TEST_HOSTS = ['api.openai.test', 'api.anthropic.test', 'api.github.test', 'metadata.test', 'other.test', 'plain.test'];

export interface TestGateway {
  readonly gateway: Gateway;
  readonly port: number;
  readonly proxyUrl: string;
  readonly auditFile: string;
  readonly configFile: string;
  /** `http://127.0.0.1:PORT` of the admin listener; null without `adminToken`. */
  readonly adminUrl: string | null;
  /** Every audit record written so far, parsed. */
  records(): Promise<Record<string, any>[]>;
  /** Waits until at least `n` records exist (records are written when a response closes). */
  waitForRecords(n: number, timeoutMs?: number): Promise<Record<string, any>[]>;
  /**
   * Rewrites the config file for the next reload: the start options with `changes` on top, or
   * raw text (an invalid file). The audit file stays the same.
   */
  rewrite(changes: Partial<TestGatewayOptions> | string): Promise<void>;
  /** One admin API call, with the bearer token unless `token` names another (or null: none). */
  admin(path: string, init?: AdminCall): Promise<AdminAnswer>;
  close(): Promise<void>;
}

export interface AdminCall {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string | null;
}

export interface AdminAnswer {
  readonly status: number;
  readonly text: string;
  /** The parsed JSON body; null when it is not JSON (e.g. /metrics). */
  readonly body: any;
}

export interface TestGatewayOptions {
  /** YAML for `policies:` and `agents:` (and anything else top-level not in the base). */
  readonly body: string;
  /** Plain-HTTP proxy listener instead of HTTPS with client certificates. */
  readonly plain?: boolean;
  /** Extra lines under `network:` (indented two spaces). */
  readonly network?: string;
  /** Extra lines under `limits:` (indented two spaces). */
  readonly limits?: string;
  readonly now?: () => number;
  readonly name?: string;
  /** Starts the admin listener on 127.0.0.1:0 with this bearer token. */
  readonly adminToken?: string;
  /** `store.url`: a Redis several gateways share; omitted → the in-memory store. */
  readonly storeUrl?: string;
  /** Extra lines under `audit:` (indented two spaces), e.g. `  required: true`. */
  readonly audit?: string;
  /** Replaces the file sink: list items under `audit.sinks:` (indented four spaces). `records()` then reads nothing. */
  readonly sinks?: string;
  /** The gateway's logger; default silent (or the level in PORTCULLIS_TEST_LOG). */
  readonly log?: Logger;
}

export function baseConfig(pki: TestPki, options: TestGatewayOptions, auditFile: string): string {
  const admin = options.adminToken === undefined ? '' :
    `\n  admin: { host: 127.0.0.1, port: 0, token: ${JSON.stringify(options.adminToken)} }`;
  const store = options.storeUrl === undefined ? '' : `store: { url: ${JSON.stringify(options.storeUrl)} }\n`;
  const tls = options.plain ? '' :
    `\n    tls: { cert: ${pki.proxy.certFile}, key: ${pki.proxy.keyFile}, client_ca: ${pki.agentCa.certFile}, crl: ${pki.crl.file} }`;
  return `version: 1
listen:
  proxy:
    host: 127.0.0.1
    port: 0${tls}${admin}
${store}interception:
  ca_cert: ${pki.interceptionCa.certFile}
  ca_key: ${pki.interceptionCa.keyFile}
  upstream_ca: [${pki.upstreamCa.certFile}]
network:
  allow_cidrs: [127.0.0.1/32]
  resolve:
${TEST_HOSTS.filter((h) => h !== 'metadata.test').map((h) => `    ${h}: 127.0.0.1`).join('\n')}
    metadata.test: 169.254.169.254
    mapped.test: "::ffff:127.0.0.2"
${options.network ?? ''}
limits:
  upstream_timeout: 5s
  idle_timeout: 10s
${options.limits ?? ''}
audit:
${options.audit ?? ''}
  sinks:
${options.sinks ?? `    - { type: file, path: ${auditFile} }`}
${options.body}
`;
}

export async function startTestGateway(pki: TestPki, options: TestGatewayOptions): Promise<TestGateway> {
  const name = options.name ?? `gw-${Math.random().toString(36).slice(2, 8)}`;
  const auditFile = join(pki.dir, `${name}-audit.jsonl`);
  const configFile = join(pki.dir, `${name}.yaml`);
  await writeFile(configFile, baseConfig(pki, options, auditFile));
  const loadOptions = { env: {} };
  const config = await loadConfig(configFile, loadOptions);
  const gateway = await startGateway(config, {
    log: options.log ?? pino({ level: process.env['PORTCULLIS_TEST_LOG'] ?? 'silent' }),
    loadOptions,
    ...(options.now ? { now: options.now } : {}),
  });
  const port = gateway.proxyAddress.port;
  const adminAddress = gateway.adminAddress;
  const adminUrl = adminAddress === null ? null : `http://127.0.0.1:${adminAddress.port}`;
  const records = async (): Promise<Record<string, any>[]> => {
    await gateway.runtime.audit.flush();
    let text = '';
    try {
      text = await readFile(auditFile, 'utf8');
    } catch {
      return [];
    }
    // A line another request is writing right now may be cut short: only complete lines count.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    return complete.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
  };
  return {
    gateway,
    port,
    proxyUrl: `${options.plain ? 'http' : 'https'}://127.0.0.1:${port}`,
    auditFile,
    configFile,
    adminUrl,
    records,
    async waitForRecords(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const all = await records();
        if (all.length >= n || Date.now() > until) return all;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    rewrite: (changes) => writeFile(configFile,
      typeof changes === 'string' ? changes : baseConfig(pki, { ...options, ...changes }, auditFile)),
    async admin(path, init = {}) {
      if (adminUrl === null) throw new Error('this gateway has no admin listener (adminToken)');
      const token = init.token === undefined ? options.adminToken : init.token;
      const res = await fetch(adminUrl + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(token === null || token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const text = await res.text();
      let body: any = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      return { status: res.status, text, body };
    },
    close: () => gateway.close(2000),
  };
}
