// Runs every recipe of docs/clients.md, as written, against a real gateway: the code blocks
// are written to files and the shell block runs them, in the environment of the example agent
// pod (helm/portcullis/examples/agent-pod.yaml, or the doc's token fragment) made local. The
// only rewrite is the upstream's address: https://api.openai.com becomes the local fake
// provider (and OPENAI_BASE_URL tells the SDKs the same), because tests stay on loopback.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../e2e/fixture.ts';
import { curlTool, goTool, pythonWithModernHttpx, pythonWithRequests, type Tool } from './client-tools.ts';
import { readClientsDoc, type Identity, type Recipe } from './doc-recipes.ts';
import { agentPodEnv, envFragment, localEnv, POD_MOUNT_ROOT } from './pod-env.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'ci-runner-test-token';
const APP_KEY = 'sk-agent-test';
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const doc = readClientsDoc();
const recipes = [...doc.recipes.values()];

const ctx = useGateway((fx) => ({
  body: `
policies:
  llm:
    rules:
      - { id: openai, host: "api.openai.test:${fx.upstream.port}", methods: [POST], paths: [/v1/chat/completions] }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [llm]
  ci-runner:
    match: { token_sha256: "sha256:${createHash('sha256').update(TOKEN).digest('hex')}" }
    policies: [llm]
`,
}));

const runtimeOf = (recipe: Recipe): string => recipe.command.trim().split(/\s+/)[0]!;

/** What each recipe needs to run here, looked up once per runtime. */
const tools = new Map<string, Tool>();
function toolFor(recipe: Recipe): Tool {
  const runtime = runtimeOf(recipe);
  const key = runtime === 'python3' && recipe.files.some((f) => /^import httpx/m.test(f.code)) ? 'python3+httpx' : runtime;
  if (!tools.has(key)) {
    const lookup: Record<string, () => Tool> = {
      node: () => ({ available: true, path: process.execPath }),
      curl: curlTool,
      go: goTool,
      python3: pythonWithRequests,
      'python3+httpx': pythonWithModernHttpx,
    };
    const find = lookup[key];
    if (find === undefined) throw new Error(`recipe ${recipe.id}: no runner for '${runtime}'`);
    tools.set(key, find());
  }
  return tools.get(key)!;
}

let mountRoot: string;
beforeAll(async () => {
  // /etc/portcullis/ as the pod sees it: the cert-manager Secret, the CA ConfigMap, and the
  // bundle its init container builds (system CAs + interception CA).
  mountRoot = await mkdtemp(join(tmpdir(), 'portcullis-pod-'));
  const pki = ctx.fx.pki;
  const agent = pki.agents['finance-auditor']!;
  await mkdir(join(mountRoot, 'identity'));
  await mkdir(join(mountRoot, 'ca'));
  await mkdir(join(mountRoot, 'bundle'));
  await copyFile(agent.certFile, join(mountRoot, 'identity/tls.crt'));
  await copyFile(agent.keyFile, join(mountRoot, 'identity/tls.key'));
  await copyFile(pki.interceptionCa.certFile, join(mountRoot, 'ca/ca.crt'));
  const system = existsSync(SYSTEM_BUNDLE) ? readFileSync(SYSTEM_BUNDLE, 'utf8') : '';
  await writeFile(join(mountRoot, 'bundle/ca-bundle.crt'), system + pki.interceptionCa.cert);
});
afterAll(async () => {
  if (mountRoot !== undefined) await rm(mountRoot, { recursive: true, force: true });
});

function podEnv(identity: Identity): Record<string, string> {
  const overrides = identity === 'token' ? envFragment(doc.podEnv.get('token') ?? '') : [];
  return localEnv(agentPodEnv(), overrides, {
    proxyAuthority: `127.0.0.1:${ctx.gw.port}`,
    mountRoot,
    secret: () => TOKEN,
  });
}

const localise = (text: string): string => text.replaceAll('https://api.openai.com', `https://api.openai.test:${ctx.up}`);

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function runRecipe(recipe: Recipe, tool: Tool, env: Record<string, string>): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), `recipe-${recipe.id}-`));
  try {
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    // The recipe says `node` / `python3` / `go`: the one found here goes first on PATH.
    const bin = join(dir, '.bin');
    await mkdir(bin);
    await symlink(tool.path!, join(bin, runtimeOf(recipe)));
    for (const file of recipe.files) await writeFile(join(dir, file.name), localise(file.code));
    return await new Promise<RunResult>((done) => {
      const child = execFile('bash', ['-euo', 'pipefail', '-c', localise(recipe.command)], {
        cwd: dir,
        timeout: 150_000,
        env: {
          PATH: `${bin}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
          HOME: process.env['HOME'] ?? dir,
          ...(process.env['GOCACHE'] ? { GOCACHE: process.env['GOCACHE'] } : {}),
          ...env,
          OPENAI_API_KEY: APP_KEY,
          OPENAI_BASE_URL: `https://api.openai.test:${ctx.up}/v1`,
        },
      }, (_error, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('docs/clients.md', () => {
  it('has a recipe for each client the page promises, each with an identity and a command', () => {
    expect(recipes.map((r) => r.id).sort()).toEqual([
      'curl-mtls', 'curl-token', 'go-net-http', 'node-env-proxy', 'node-openai', 'node-openai-env',
      'node-undici', 'python-httpx', 'python-requests',
    ]);
    expect(new Set(recipes.map((r) => r.identity))).toEqual(new Set(['mtls', 'token']));
  });

  it('the pod environment names only files the pod mounts, and the token agent comes from the doc', () => {
    for (const identity of ['mtls', 'token'] as const) {
      const env = podEnv(identity);
      for (const value of Object.values(env).filter((v) => v.startsWith(mountRoot))) expect(existsSync(value), value).toBe(true);
      expect(Object.values(env).some((v) => v.startsWith(POD_MOUNT_ROOT))).toBe(false);
    }
    expect(new URL(podEnv('token')['HTTPS_PROXY']!).username).toBe('ci-runner');
    expect(new URL(podEnv('mtls')['HTTPS_PROXY']!).username).toBe('');
  });

  for (const recipe of recipes) {
    const tool = toolFor(recipe);
    it.skipIf(!tool.available)(`recipe ${recipe.id} (${recipe.identity}) reaches the upstream through the gateway`, async () => {
      const env = podEnv(recipe.identity);
      const agent = recipe.identity === 'mtls' ? 'finance-auditor' : new URL(env['HTTPS_PROXY']!).username;
      const before = (await ctx.gw.records()).length;
      const seenBefore = ctx.fx.upstream.seen.length;

      const result = await runRecipe(recipe, tool, env);
      expect(result.code, `exit code\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('hello there');

      const records = (await ctx.gw.waitForRecords(before + 1)).slice(before);
      expect(records).toContainEqual(expect.objectContaining({
        agent,
        decision: 'allow',
        rule: 'llm/openai',
        identity: expect.objectContaining({ method: recipe.identity }),
        request: expect.objectContaining({ method: 'POST', path: '/v1/chat/completions', intercepted: true }),
      }));
      const seen = ctx.fx.upstream.seen.slice(seenBefore).filter((s) => s.url === '/v1/chat/completions');
      expect(seen.length).toBeGreaterThan(0);
      for (const request of seen) {
        expect(request.headers['proxy-authorization']).toBeUndefined();
        expect(request.headers['authorization']).toBe(`Bearer ${APP_KEY}`);
      }
    }, 180_000);
  }
});
