// Shared set-up for the data-path end-to-end tests: one test PKI, one HTTPS upstream and one
// plain-HTTP upstream per file, and the policy most tests run against.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProxyAgent } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { startTestGateway, TEST_HOSTS, type TestGateway, type TestGatewayOptions } from '../helpers/gateway.ts';
import { makeTestPki, type TestPki } from '../helpers/pki.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

export const DEV_TOKEN = 'tok-e2e-123';
export const DEV_TOKEN_SHA = `sha256:${createHash('sha256').update(DEV_TOKEN).digest('hex')}`;
/** Token of `observer`, an agent in report mode with only the github policy. */
export const OBSERVER_TOKEN = 'tok-observer-456';
const OBSERVER_TOKEN_SHA = `sha256:${createHash('sha256').update(OBSERVER_TOKEN).digest('hex')}`;

export interface Fixture {
  readonly pki: TestPki;
  readonly upstream: TestUpstream;
  readonly plainUpstream: TestUpstream;
  close(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const pki = await makeTestPki({ upstreamHosts: [...TEST_HOSTS, 'localhost', '127.0.0.1'] });
  const upstream = await startUpstream({ cert: pki.upstream.cert, key: pki.upstream.key });
  const plainUpstream = await startUpstream();
  return {
    pki,
    upstream,
    plainUpstream,
    async close() {
      await upstream.close();
      await plainUpstream.close();
      await pki.cleanup();
    },
  };
}

/** The policy of most data-path tests; `up` is the HTTPS upstream port, `plain` the HTTP one. */
export function policyYaml(up: number, plain: number): string {
  return `
policies:
  llm:
    rules:
      - id: openai
        host: api.openai.test:${up}
        methods: [GET, POST]
        paths: [/v1/chat/completions, /v1/models, /sse, "/echo/**", /hold]
  github:
    rules:
      - { id: read, host: api.github.test:${up}, methods: [GET, HEAD], paths: ["/repos/acme/**"] }
      - { id: no-secrets, host: api.github.test:${up}, paths: ["/repos/acme/secret/**"], action: deny }
  packages:
    rules:
      - { id: tunnel, host: other.test:${up}, tunnel: true }
  metadata:
    rules:
      - { id: meta, host: "metadata.test:${up}" }
      - { id: meta-ip, host: "169.254.169.254:${up}" }
      - { id: mapped, host: "mapped.test:${up}" }
  plain:
    rules:
      - { id: plain, host: "plain.test:${plain}", methods: [GET, POST] }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [llm, github, packages, metadata, plain]
  cn-only-agent:
    match: { cn: cn-only-agent }
    policies: [github]
  token-agent:
    match: { token_sha256: "${DEV_TOKEN_SHA}" }
    policies: [llm, plain]
  observer:
    match: { token_sha256: "${OBSERVER_TOKEN_SHA}" }
    mode: report
    policies: [github]
`;
}

export interface GatewayContext {
  fx: Fixture;
  gw: TestGateway;
  /** The HTTPS upstream's port. */
  up: number;
}

/**
 * Registers the hooks of a test file: one fixture and one gateway on the default policy
 * (`options` may override anything). The fields are set once `beforeAll` has run.
 */
export function useGateway(options: (fx: Fixture) => Partial<TestGatewayOptions> = () => ({})): GatewayContext {
  const ctx = {} as GatewayContext;
  beforeAll(async () => {
    ctx.fx = await makeFixture();
    ctx.up = ctx.fx.upstream.port;
    ctx.gw = await startTestGateway(ctx.fx.pki, { body: policyYaml(ctx.up, ctx.fx.plainUpstream.port), ...options(ctx.fx) });
  });
  afterAll(async () => {
    await ctx.gw?.close();
    await ctx.fx?.close();
  });
  return ctx;
}

/** undici's ProxyAgent presenting `agent`'s client certificate and trusting the interception CA. */
export function agentDispatcher(ctx: GatewayContext, agent = 'finance-auditor'): ProxyAgent {
  const pair = ctx.fx.pki.agents[agent]!;
  return new ProxyAgent({
    uri: ctx.gw.proxyUrl,
    proxyTls: { ca: ctx.fx.pki.interceptionCa.cert, cert: pair.cert, key: pair.key, servername: 'localhost' },
    requestTls: { ca: ctx.fx.pki.interceptionCa.cert },
  });
}

/** undici's ProxyAgent authenticating with a proxy token (Basic agent:token), no client certificate. */
export function tokenDispatcher(ctx: GatewayContext, agent: string, token: string): ProxyAgent {
  return new ProxyAgent({
    uri: ctx.gw.proxyUrl,
    token: `Basic ${Buffer.from(`${agent}:${token}`).toString('base64')}`,
    proxyTls: { ca: ctx.fx.pki.interceptionCa.cert, servername: 'localhost' },
    requestTls: { ca: ctx.fx.pki.interceptionCa.cert },
  });
}

/**
 * Runs the official `openai` SDK in a child process configured only through the environment,
 * as an agent is: HTTPS_PROXY with `token-agent`'s token, NODE_USE_ENV_PROXY, NODE_EXTRA_CA_CERTS.
 */
export function runOpenAiSdk(ctx: GatewayContext, stream: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = fileURLToPath(new URL('../helpers/openai-child.ts', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [child], {
      env: {
        PATH: process.env['PATH'],
        NODE_USE_ENV_PROXY: '1',
        // Node's own env-proxy client names the proxy by IP in SNI (DEP0123); not ours to fix.
        NODE_NO_WARNINGS: '1',
        HTTPS_PROXY: `https://token-agent:${DEV_TOKEN}@127.0.0.1:${ctx.gw.port}`,
        NODE_EXTRA_CA_CERTS: ctx.fx.pki.interceptionCa.certFile,
        OPENAI_BASE_URL: `https://api.openai.test:${ctx.up}/v1`,
        STREAM: stream ? '1' : '0',
      },
      timeout: 20_000,
    }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
  });
}
