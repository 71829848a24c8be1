import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE_CONFIG, tempFiles } from './run-cli.ts';

const PASSING = `cases:
  - { name: read, agent: bot, method: GET, url: "https://api.example.com/v1/items", expect: allow }
  - { name: admin is denied, agent: bot, method: GET, url: "https://api.example.com/v1/admin/x", expect: deny, code: denied_by_rule }
  - { name: office hours, agent: bot, method: GET, url: "https://hr.example.com/", at: "2026-01-05T10:00:00Z", expect: allow }
  - { name: weekend, agent: bot, method: GET, url: "https://hr.example.com/", at: "2026-01-10T10:00:00Z", expect: deny, code: condition_not_met }
  - { name: release flag, agent: bot, method: POST, url: "https://deploy.example.com/", flags: { release: true }, expect: allow }
  - { name: observer is reported, agent: observer, method: GET, url: "https://other.example.com/", expect: report, code: no_matching_rule }
`;

const SOME_FAILING = `cases:
  - { name: read, agent: bot, method: GET, url: "https://api.example.com/v1/items", expect: allow }
  - { name: wrong expectation, agent: bot, method: GET, url: "https://api.example.com/v1/admin/x", expect: allow }
  - { name: wrong code, agent: bot, method: POST, url: "https://deploy.example.com/", expect: deny, code: no_matching_rule }
`;

const INVALID = `cases:
  - name: typo
    agent: bot
    method: GET
    url: "https://api.example.com/v1/items"
    expcet: allow
  - { name: no url, agent: bot, method: GET, expect: maybe }
`;

async function run(tests: string, ...args: string[]) {
  const dir = await tempFiles({ 'gw.yaml': SAMPLE_CONFIG, 'tests.yaml': tests });
  return runCli(['test', '-c', 'gw.yaml', ...args, 'tests.yaml'], { cwd: dir });
}

describe.concurrent('portcullis test', () => {
  it('passes allow, deny, schedule (at), flags and report cases and exits 0', async () => {
    const result = await run(PASSING);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('6 passed, 0 failed\n');
    expect(result.code).toBe(0);
  });

  it('prints each failing case and ends with "N passed, N failed", exit 1', async () => {
    const result = await run(SOME_FAILING);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 2 failed');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^FAIL wrong expectation: expected allow, got deny \(code denied_by_rule, rule web\/no-admin\)/);
    expect(lines[1]).toMatch(/^FAIL wrong code: expected deny \(no_matching_rule\), got deny \(code condition_not_met, rule web\/deploy\)/);
  });

  it('gives one JSON document with --json', async () => {
    const result = await run(SOME_FAILING, '--json');
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc.passed).toBe(1);
    expect(doc.failed).toBe(2);
    expect(doc.cases[1]).toEqual({
      name: 'wrong expectation',
      passed: false,
      expected: { decision: 'allow', code: null },
      got: { decision: 'deny', code: 'denied_by_rule', rule: 'web/no-admin', message: expect.stringContaining("agent 'bot' may not GET") },
    });
  });

  it('refuses an invalid tests file with located errors, exit 2', async () => {
    const result = await run(INVALID);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n').slice(1);
    expect(lines).toEqual([
      "tests.yaml:6:5: cases[0].expcet: unknown key 'expcet'; did you mean 'expect'?",
      "tests.yaml:2:5: cases[0]: missing required key 'expect'",
      "tests.yaml:7:5: cases[1]: missing required key 'url'",
      "tests.yaml:7:46: cases[1].expect: must be allow, deny or report, got 'maybe'",
    ]);
  });

  it('exits 2 when the tests file cannot be read or is missing', async () => {
    const dir = await tempFiles({ 'gw.yaml': SAMPLE_CONFIG });
    const missing = await runCli(['test', '-c', 'gw.yaml', 'nope.yaml'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read tests file nope.yaml');
    const none = await runCli(['test', '-c', 'gw.yaml'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('TESTS.yaml is required');
  });
});
