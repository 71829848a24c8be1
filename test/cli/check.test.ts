import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE_CONFIG, tempFiles } from './run-cli.ts';

const BROKEN = `version: 1
policies:
  web:
    rules:
      - { id: read, host: api.example.com, methods: [GET] }
      - { id: write, hosts: api.example.com, rate: 5/minute }
agents:
  bot: { match: { cn: bot }, policies: [web] }
`;

describe.concurrent('portcullis check', () => {
  it('prints a one-line summary and exits 0 for a valid config', async () => {
    const dir = await tempFiles({ 'gw.yaml': SAMPLE_CONFIG });
    const result = await runCli(['check', '-c', 'gw.yaml'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: gw\.yaml \(2 agents, 5 rules, policy sha256:[0-9a-f]{64}\)\n$/);
    expect(result.stderr).toBe('');
  });

  it('gives one JSON document with --json', async () => {
    const dir = await tempFiles({ 'gw.yaml': SAMPLE_CONFIG });
    const result = await runCli(['check', '--json', '-c', join(dir, 'gw.yaml')]);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toEqual({ ok: true, file: join(dir, 'gw.yaml'), agents: 2, rules: 5, version: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });

  it('prints every located issue as file:line:col: key.path: message and exits 1', async () => {
    const dir = await tempFiles({ 'gw.yaml': BROKEN });
    const result = await runCli(['check', '-c', 'gw.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^gw\.yaml:6:\d+: policies\.web\.rules\[1\]\.hosts: unknown key 'hosts'/);
    expect(lines[1]).toMatch(/^gw\.yaml:6:\d+: policies\.web\.rules\[1\]\.rate: .*'5\/minute'/);
  });

  it('reports the issues as JSON with --json', async () => {
    const dir = await tempFiles({ 'gw.yaml': BROKEN });
    const result = await runCli(['check', '-c', 'gw.yaml', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.issues.map((i: { path: string; line: number }) => [i.path, i.line])).toEqual([
      ['policies.web.rules[1].hosts', 6],
      ['policies.web.rules[1].rate', 6],
    ]);
  });

  it('exits 2 when the config file cannot be read', async () => {
    const dir = await tempFiles({});
    const result = await runCli(['check', '-c', 'missing.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^portcullis check: cannot read config file .*missing\.yaml: ENOENT/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on an unknown option or a stray argument', async () => {
    const unknown = await runCli(['check', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--nope'");
    expect(unknown.stderr).toContain('usage: portcullis check');
    const stray = await runCli(['check', 'extra']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("unexpected argument 'extra'");
  });

  it('reads PORTCULLIS_CONFIG, else config/portcullis.yaml under the working directory', async () => {
    const dir = await tempFiles({ 'env.yaml': SAMPLE_CONFIG, 'config/portcullis.yaml': BROKEN });
    const fromEnv = await runCli(['check'], { cwd: dir, env: { PORTCULLIS_CONFIG: 'env.yaml' } });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toMatch(/^ok: env\.yaml /);
    const byDefault = await runCli(['check'], { cwd: dir });
    expect(byDefault.code).toBe(1);
    expect(byDefault.stderr).toMatch(/^config\/portcullis\.yaml:6:/);
    const flagWins = await runCli(['check', '-c', 'env.yaml'], { cwd: dir, env: { PORTCULLIS_CONFIG: 'config/portcullis.yaml' } });
    expect(flagWins.code).toBe(0);
  });
});

describe.concurrent('portcullis (no or unknown command)', () => {
  it('exits 2 with the usage text', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: portcullis COMMAND');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('prints the usage on stdout for --help and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('explain [-c FILE] --agent ID METHOD URL');
    const command = await runCli(['test', '--help']);
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('test    [-c FILE] [--json] TESTS.yaml');
  });
});
