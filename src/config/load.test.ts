// Good configs, end to end through loadConfig / loadDocument on real files in a temp dir:
// include merge, reference resolution, relative paths, defaults, the public view and the
// version.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from './issues.ts';
import { loadConfig, loadDocument } from './load.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (relative name → content) into a fresh temp dir; returns the dir. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const AGENT = `
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    team: finance
    policies: [llm]
`;

const LLM_POLICY = `
policies:
  llm:
    rules:
      - id: openai
        host: api.openai.com
        methods: [POST]
        inject: { headers: { authorization: "Bearer \${secret:openai}" } }
`;

describe('include', () => {
  it('deep-merges maps key by key and locates included keys in their own file', async () => {
    const dir = tree({
      'main.yaml': 'version: 1\ninclude: [parts/limits.yaml]\nlimits:\n  upstream_timeout: 120s\n',
      'parts/limits.yaml': '# finance-owned\nlimits:\n  idle_timeout: 30s\n',
    });
    const config = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    expect(config.limits.upstreamTimeoutMs).toBe(120_000);
    expect(config.limits.idleTimeoutMs).toBe(30_000);
    expect(config.files).toEqual([join(dir, 'main.yaml'), join(dir, 'parts/limits.yaml')]);

    const document = await loadDocument(join(dir, 'main.yaml'), { env: {} });
    expect(document.locate(['limits', 'idle_timeout'])).toEqual({ file: join(dir, 'parts/limits.yaml'), line: 3, column: 3 });
    expect(document.locate(['limits', 'upstream_timeout'])).toEqual({ file: join(dir, 'main.yaml'), line: 4, column: 3 });
    expect(document.config).not.toHaveProperty('include');
  });

  it('follows nested includes relative to the including file and reads a shared file once', async () => {
    const dir = tree({
      'main.yaml': 'version: 1\ninclude: [teams/a.yaml, teams/b.yaml]\n',
      'teams/a.yaml': 'include: [../shared/prices.yaml]\nstore: { on_error: allow }\n',
      'teams/b.yaml': 'include: [../shared/prices.yaml]\nlimits: { idle_timeout: 5s }\n',
      'shared/prices.yaml': 'prices:\n  default: { input_per_mtok: 15, output_per_mtok: 75 }\n',
    });
    const config = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    expect(config.files).toEqual(['main.yaml', 'teams/a.yaml', 'shared/prices.yaml', 'teams/b.yaml'].map((f) => join(dir, f)));
    expect(config.store.onError).toBe('allow');
    expect(config.limits.idleTimeoutMs).toBe(5_000);
    expect(config.prices.default).toEqual({ input_per_mtok: 15, output_per_mtok: 75 });
  });
});

describe('references', () => {
  it('resolves env, file (relative to the naming file) and secret references', async () => {
    const dir = tree({
      'main.yaml': `version: 1\ninclude: [secrets/secrets.yaml]\n${LLM_POLICY}${AGENT}` +
        'listen:\n  proxy: { host: 0.0.0.0, port: 3128 }\n  admin: { host: "${env:ADMIN_HOST}", port: 9090, token: "${secret:admin}" }\n',
      'secrets/secrets.yaml': 'secrets:\n  openai: "${env:OPENAI_API_KEY}"\n  admin: "${file:admin-token.txt}"\n',
      'secrets/admin-token.txt': 'adm-from-file\n',
    });
    const env = { OPENAI_API_KEY: 'sk-live-123', ADMIN_HOST: '127.0.0.1' };
    const config = await loadConfig(join(dir, 'main.yaml'), { env });
    expect(config.listen.admin).toEqual({ host: '127.0.0.1', port: 9090, token: 'adm-from-file' });
    const [rule] = config.policy.agents.get('finance-auditor')!.rulesFor('api.openai.com', 443);
    expect(rule?.injectHeaders.get('authorization')).toBe('Bearer sk-live-123');
  });

  it('keeps $${ as a literal ${ and leaves other dollars alone', async () => {
    const dir = tree({ 'main.yaml': 'version: 1\nsecrets:\n  a: "$${env:HOME} costs $5"\n' });
    const document = await loadDocument(join(dir, 'main.yaml'), { env: {} });
    expect(document.config.secrets?.['a']).toBe('${env:HOME} costs $5');
  });

  it('never quotes a secret value in an error message', async () => {
    const dir = tree({
      'main.yaml': 'version: 1\nsecrets:\n  tok: "${env:TOKEN}"\nagents:\n  bot:\n    match: { token_sha256: "${secret:tok}" }\n',
    });
    const error = await loadDocument(join(dir, 'main.yaml'), { env: { TOKEN: 'raw-token-value' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const [issue] = (error as ConfigError).issues;
    expect(issue?.path).toBe('agents.bot.match.token_sha256');
    expect(issue?.message).toContain("got '${secret:tok}'");
    expect((error as Error).message).not.toContain('raw-token-value');
  });
});

describe('relative paths', () => {
  it('resolve against the directory of the file that names them', async () => {
    const dir = tree({
      'config/main.yaml': 'version: 1\ninclude: [audit/audit.yaml]\n' +
        'listen:\n  proxy:\n    host: 0.0.0.0\n    port: 3128\n    tls: { cert: ../certs/proxy.crt, key: /etc/pki/proxy.key, client_ca: ../certs/agent-ca.crt }\n' +
        'interception: { ca_cert: ../certs/mitm-ca.crt, ca_key: ../certs/mitm-ca.key, upstream_ca: [extra/ca.pem] }\n',
      'config/audit/audit.yaml': 'audit:\n  sinks:\n    - { type: file, path: logs/audit.jsonl }\n    - { type: stdout }\n',
    });
    const config = await loadConfig(join(dir, 'config/main.yaml'), { env: {} });
    expect(config.listen.proxy.tls).toEqual({
      cert: join(dir, 'certs/proxy.crt'),
      key: '/etc/pki/proxy.key',
      clientCa: join(dir, 'certs/agent-ca.crt'),
      crl: null,
    });
    expect(config.interception).toEqual({
      caCert: join(dir, 'certs/mitm-ca.crt'),
      caKey: join(dir, 'certs/mitm-ca.key'),
      upstreamCa: [join(dir, 'config/extra/ca.pem')],
    });
    expect(config.audit.sinks).toEqual([{ type: 'file', path: join(dir, 'config/audit/logs/audit.jsonl') }, { type: 'stdout' }]);
  });
});

describe('version and public view', () => {
  const SECRETS = 'secrets:\n  openai: "${env:OPENAI_API_KEY}"\n  literal: sk-literal-in-file\n' +
    'store: { url: "redis://:${env:REDIS_PASSWORD}@redis:6379/0" }\n' +
    'listen:\n  proxy: { host: 0.0.0.0, port: 3128 }\n  admin: { host: 127.0.0.1, port: 9090, token: hunter2-admin }\n' +
    'audit:\n  sinks:\n    - { type: http, url: "https://siem.example/ingest", headers: { authorization: "${env:SIEM_TOKEN}" } }\n';
  const env = (openai: string) => ({ OPENAI_API_KEY: openai, REDIS_PASSWORD: 'redis-pw-42', SIEM_TOKEN: 'siem-tok-77' });
  const load = async (content: string, variables: Record<string, string>) =>
    loadDocument(join(tree({ 'main.yaml': content }), 'main.yaml'), { env: variables });

  it('does not change when a secret value changes, and holds no secret value', async () => {
    const content = `version: 1\n${SECRETS}${LLM_POLICY}${AGENT}`;
    const a = await load(content, env('sk-first'));
    const b = await load(content, env('sk-rotated'));
    expect(a.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.version).toBe(a.version);
    expect(b.redacted).toEqual(a.redacted);

    const text = JSON.stringify(a.redacted);
    for (const secret of ['sk-first', 'sk-literal-in-file', 'redis-pw-42', 'siem-tok-77', 'hunter2-admin']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"authorization":"Bearer ${secret:openai}"');
    expect(text).toContain('"url":"redis://:${env:REDIS_PASSWORD}@redis:6379/0"');
    expect(text).toContain('"token":"[redacted]"');
    // The document itself holds the resolved values the gateway needs.
    expect(a.config.store?.url).toBe('redis://:redis-pw-42@redis:6379/0');
  });

  it('changes when a rule changes', async () => {
    const a = await load(`version: 1\n${SECRETS}${LLM_POLICY}${AGENT}`, env('sk'));
    const b = await load(`version: 1\n${SECRETS}${LLM_POLICY.replace('[POST]', '[POST, GET]')}${AGENT}`, env('sk'));
    expect(b.version).not.toBe(a.version);
  });

  it('is the same for the same config written in another key order and style', async () => {
    const a = await load('version: 1\nlimits: { idle_timeout: 30s, upstream_timeout: 60s }\nstore: { on_error: allow }\n', {});
    const b = await load('store:\n  on_error: allow\nlimits:\n  upstream_timeout: 60s\n  idle_timeout: 30s\nversion: 1\n', {});
    expect(b.version).toBe(a.version);
  });
});

describe('compiled sections', () => {
  it('applies the documented defaults to a minimal config', async () => {
    const config = await loadConfig(join(tree({ 'main.yaml': 'version: 1\n' }), 'main.yaml'), { env: {} });
    expect(config.listen).toEqual({ proxy: { host: '0.0.0.0', port: 3128, tls: null }, admin: null });
    expect(config.interception).toBeNull();
    expect(config.store).toEqual({ url: null, onError: 'deny' });
    expect(config.network).toEqual({ useDefaultDeny: true, denyCidrs: [], allowCidrs: [], resolve: new Map() });
    expect(config.limits).toEqual({
      maxRequestBytes: 10_485_760, maxHeaderBytes: 65_536, upstreamTimeoutMs: 300_000, idleTimeoutMs: 60_000, maxTunnelsPerAgent: null,
    });
    expect(config.audit).toEqual({ required: false, sinks: [{ type: 'stdout' }] });
    expect(config.prices).toEqual({ default: null, models: new Map() });
  });

  it('compiles network: CIDRs, the default word, and normalised resolve names', async () => {
    const dir = tree({
      'main.yaml': 'version: 1\nnetwork:\n  deny_cidrs: [default, 100.100.0.0/16]\n  allow_cidrs: [127.0.0.1, "fd00::/8"]\n' +
        '  resolve:\n    Bücher.Example.: 203.0.113.7\n    api.test: [127.0.0.1, "::1"]\n',
    });
    const { network } = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    expect(network.useDefaultDeny).toBe(true);
    expect(network.denyCidrs.map((c) => c.text)).toEqual(['100.100.0.0/16']);
    expect(network.allowCidrs.map((c) => [c.address, c.prefix, c.family])).toEqual([['127.0.0.1', 32, 4], ['fd00::', 8, 6]]);
    expect([...network.resolve]).toEqual([['xn--bcher-kva.example', ['203.0.113.7']], ['api.test', ['127.0.0.1', '::1']]]);
  });

  it('a deny list without the word default drops the built-in list', async () => {
    const dir = tree({ 'main.yaml': 'version: 1\nnetwork: { deny_cidrs: [10.0.0.0/8] }\n' });
    const { network } = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    expect(network.useDefaultDeny).toBe(false);
  });

  it("gives each agent its own budgets (else the '*' ones) plus its team's", async () => {
    const dir = tree({
      'main.yaml': 'version: 1\ninclude: [budgets.yaml]\nagents:\n' +
        '  own: { match: { cn: own }, team: finance }\n  fallback: { match: { cn: fallback }, team: finance }\n  loner: { match: { cn: loner } }\n',
      'budgets.yaml': 'budgets:\n  own:\n    - { id: daily, limit_usd: 50, per: day, tz: Europe/Berlin }\n' +
        '  team:finance:\n    - { id: monthly, limit_usd: 2000, per: month }\n  "*":\n    - { id: default-daily, limit_usd: 5, per: day }\n',
    });
    const { budgets } = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    const ids = (agent: string) => budgets.get(agent)?.map((b) => `${b.owner}/${b.id}@${b.tz}`);
    expect(ids('own')).toEqual(['own/daily@Europe/Berlin', 'team:finance/monthly@UTC']);
    expect(ids('fallback')).toEqual(['*/default-daily@UTC', 'team:finance/monthly@UTC']);
    expect(ids('loner')).toEqual(['*/default-daily@UTC']);
  });

  it('is deeply frozen', async () => {
    const dir = tree({ 'main.yaml': 'version: 1\naudit: { sinks: [{ type: stdout }] }\n' });
    const config = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(Object.isFrozen(config.audit.sinks[0])).toBe(true);
    expect(Object.isFrozen(config.redacted)).toBe(true);
    expect(() => {
      (config.limits as { maxRequestBytes: number }).maxRequestBytes = 1;
    }).toThrow(TypeError);
  });
});

describe('empty and non-map files', () => {
  it('an empty included file contributes nothing; a list is refused', async () => {
    const dir = tree({
      'main.yaml': 'version: 1\ninclude: [empty.yaml]\n',
      'empty.yaml': '# everything commented out\n',
      'list.yaml': '- version: 1\n',
    });
    await expect(loadConfig(join(dir, 'main.yaml'), { env: {} })).resolves.toMatchObject({ files: [join(dir, 'main.yaml'), join(dir, 'empty.yaml')] });
    const error = await loadDocument(join(dir, 'list.yaml'), { env: {} }).catch((e: unknown) => e);
    expect((error as ConfigError).issues).toEqual([
      { file: join(dir, 'list.yaml'), line: 1, column: 1, path: '(root)', message: 'a config file must be a map of sections, got a list' },
    ]);
  });
});
