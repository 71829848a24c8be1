// The shipped example must stay valid and its policy tests green: the README's quick start
// and every operator who copies it start from these files.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

describe.concurrent('config/portcullis.yaml', () => {
  it('passes check with an empty environment', async () => {
    const result = await runCli(['check'], { env: {} });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^ok: config\/portcullis\.yaml \(3 agents, \d+ rules, policy sha256:[0-9a-f]{64}\)\n$/);
    expect(result.code).toBe(0);
  });

  it('passes every case of config/policy-tests.yaml', async () => {
    const result = await runCli(['test', 'config/policy-tests.yaml'], { env: {} });
    expect(result.stderr).toBe('');
    const summary = /^(\d+) passed, 0 failed$/.exec(result.stdout.trimEnd());
    expect(summary, result.stdout).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(12);
    expect(result.code).toBe(0);
  });
});
