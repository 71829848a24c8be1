// A real gateway for end-to-end tests: config written as YAML to a temp dir (so the loader
// and compiler run exactly as in production), proxy on 127.0.0.1:0, audit to a file the test
// reads back. Test host names point at 127.0.0.1 through `network.resolve`.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import type { TestPki } from './pki.ts';

export const TEST_HOSTS = ['api.openai.test', 'api.anthropic.test', 'api.github.test', 'metadata.test', 'other.test', 'plain.test'];

export interface TestGateway {
  readonly gateway: Gateway;
  readonly port: number;
  readonly proxyUrl: string;
  readonly auditFile: string;
  /** Every audit record written so far, parsed. */
  records(): Promise<Record<string, any>[]>;
  /** Waits until at least `n` records exist (records are written when a response closes). */
  waitForRecords(n: number, timeoutMs?: number): Promise<Record<string, any>[]>;
  close(): Promise<void>;
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
}

export function baseConfig(pki: TestPki, options: TestGatewayOptions, auditFile: string): string {
  const tls = options.plain ? '' :
    `\n    tls: { cert: ${pki.proxy.certFile}, key: ${pki.proxy.keyFile}, client_ca: ${pki.agentCa.certFile}, crl: ${pki.crl.file} }`;
  return `version: 1
listen:
  proxy:
    host: 127.0.0.1
    port: 0${tls}
interception:
  ca_cert: ${pki.interceptionCa.certFile}
  ca_key: ${pki.interceptionCa.keyFile}
  upstream_ca: [${pki.upstreamCa.certFile}]
network:
  allow_cidrs: [127.0.0.1/32]
  resolve:
${TEST_HOSTS.filter((h) => h !== 'metadata.test').map((h) => `    ${h}: 127.0.0.1`).join('\n')}
    metadata.test: 169.254.169.254
${options.network ?? ''}
limits:
  upstream_timeout: 5s
  idle_timeout: 10s
${options.limits ?? ''}
audit:
  sinks:
    - { type: file, path: ${auditFile} }
${options.body}
`;
}

export async function startTestGateway(pki: TestPki, options: TestGatewayOptions): Promise<TestGateway> {
  const name = options.name ?? `gw-${Math.random().toString(36).slice(2, 8)}`;
  const auditFile = join(pki.dir, `${name}-audit.jsonl`);
  const configFile = join(pki.dir, `${name}.yaml`);
  await writeFile(configFile, baseConfig(pki, options, auditFile));
  const config = await loadConfig(configFile, { env: {} });
  const gateway = await startGateway(config, {
    log: pino({ level: process.env['PORTCULLIS_TEST_LOG'] ?? 'silent' }),
    ...(options.now ? { now: options.now } : {}),
  });
  const port = gateway.proxyAddress.port;
  const records = async (): Promise<Record<string, any>[]> => {
    await gateway.runtime.audit.flush();
    let text = '';
    try {
      text = await readFile(auditFile, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
  };
  return {
    gateway,
    port,
    proxyUrl: `${options.plain ? 'http' : 'https'}://127.0.0.1:${port}`,
    auditFile,
    records,
    async waitForRecords(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const all = await records();
        if (all.length >= n || Date.now() > until) return all;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => gateway.close(2000),
  };
}
