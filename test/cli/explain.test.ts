import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, SAMPLE_CONFIG, tempFiles } from './run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempFiles({ 'gw.yaml': SAMPLE_CONFIG });
});

const explain = (...args: string[]) => runCli(['explain', '-c', 'gw.yaml', ...args], { cwd: dir });

async function explainJson(...args: string[]) {
  const result = await explain('--json', ...args);
  expect(result.stderr).toBe('');
  return { code: result.code, doc: JSON.parse(result.stdout) };
}

// SPEC §2: identity → kill switch → ambiguity → rules → destination → size → rate → budget → approval.
const SPEC_ORDER = ['identity', 'kill switch', 'ambiguity', 'destination', 'size', 'rate', 'budget', 'approval'];

describe.concurrent('portcullis explain', () => {
  it('explains an allowed request field by field and exits 0', async () => {
    const { code, doc } = await explainJson('--agent', 'bot', 'GET', 'https://API.example.com/v1/items?q=1');
    expect(code).toBe(0);
    expect(doc.agent).toBe('bot');
    expect(doc.method).toBe('GET');
    expect(doc.decision).toBe('allow');
    expect(doc.code).toBe('ok');
    expect(doc.rule).toBe('web/read');
    expect(doc.message).toBe('allowed by rule web/read');
    expect(doc.target).toEqual({ scheme: 'https', host: 'api.example.com', port: 443, path: '/v1/items' });
    expect(doc.policy_version).toMatch(/^sha256:[0-9a-f]{64}$/);
    const checks: string[] = doc.trace.map((s: { check: string }) => s.check);
    const positions = SPEC_ORDER.map((check) => checks.indexOf(check));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const step = (name: string) => doc.trace.find((s: { check: string }) => s.check === name);
    expect(step('kill switch')).toMatchObject({ result: 'info', detail: expect.stringContaining('n/a offline') });
    expect(step('rate').detail).toContain('10/min for rule web/read');
    expect(step('approval').detail).toBe('not required');
  });

  it('denies by a deny rule over an allow rule and exits 1', async () => {
    const { code, doc } = await explainJson('--agent', 'bot', 'GET', 'https://api.example.com/v1/admin/users');
    expect(code).toBe(1);
    expect(doc.decision).toBe('deny');
    expect(doc.code).toBe('denied_by_rule');
    expect(doc.rule).toBe('web/no-admin');
    expect(doc.message).toContain("agent 'bot' may not GET https://api.example.com/v1/admin/users");
    for (const check of ['destination', 'size', 'rate', 'budget', 'approval']) {
      expect(doc.trace.find((s: { check: string }) => s.check === check)).toEqual({ check, result: 'skip', detail: 'not reached' });
    }
  });

  it('denies a host without rules as no_matching_rule', async () => {
    const { code, doc } = await explainJson('--agent', 'bot', 'POST', 'http://elsewhere.example.org/x');
    expect(code).toBe(1);
    expect(doc).toMatchObject({ decision: 'deny', code: 'no_matching_rule', rule: null });
    expect(doc.target).toEqual({ scheme: 'http', host: 'elsewhere.example.org', port: 80, path: '/x' });
  });

  it('denies an unknown agent as unknown_agent', async () => {
    const { code, doc } = await explainJson('--agent', 'bott', 'GET', 'https://api.example.com/v1/items');
    expect(code).toBe(1);
    expect(doc).toMatchObject({ agent: 'bott', decision: 'deny', code: 'unknown_agent', rule: null, target: null });
    expect(doc.trace[0]).toEqual({ check: 'identity', result: 'fail', detail: "no agent 'bott' is configured; did you mean 'bot'?" });
  });

  it('denies an ambiguous URL as ambiguous_request', async () => {
    const { code, doc } = await explainJson('--agent', 'bot', 'GET', 'https://api.example.com/v1/%2e%2e/admin');
    expect(code).toBe(1);
    expect(doc).toMatchObject({ decision: 'deny', code: 'ambiguous_request', rule: null, target: null });
    expect(doc.trace.find((s: { check: string }) => s.check === 'ambiguity')).toMatchObject({ result: 'fail' });
    const numeric = await explainJson('--agent', 'bot', 'GET', 'http://2130706433/');
    expect(numeric.doc.code).toBe('ambiguous_request');
  });

  it('reports a report-mode agent as "report (would be denied: CODE)" and exits 0', async () => {
    const result = await explain('--agent', 'observer', 'GET', 'https://unlisted.example.com/');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('decision: report (would be denied: no_matching_rule)');
    expect(result.stdout).toContain('code:     no_matching_rule');
    expect(result.stdout).toMatch(/trace:\n\s+1\. identity\s+pass/);
  });

  it('evaluates schedules at --at', async () => {
    const monday = await explainJson('--agent', 'bot', '--at', '2026-01-05T10:00:00Z', 'GET', 'https://hr.example.com/');
    expect(monday.code).toBe(0);
    expect(monday.doc).toMatchObject({ decision: 'allow', rule: 'web/office-hours', at: '2026-01-05T10:00:00.000Z' });
    const saturday = await explainJson('--agent', 'bot', '--at', '2026-01-10T10:00:00+01:00', 'GET', 'https://hr.example.com/');
    expect(saturday.code).toBe(1);
    expect(saturday.doc).toMatchObject({ decision: 'deny', code: 'condition_not_met', rule: 'web/office-hours' });
  });

  it('evaluates flags given with --flag (unset flags are false)', async () => {
    const on = await explainJson('--agent', 'bot', '--flag', 'release=true', '--flag', 'other=false', 'POST', 'https://deploy.example.com/run');
    expect(on.code).toBe(0);
    expect(on.doc).toMatchObject({ decision: 'allow', code: 'ok', rule: 'web/deploy' });
    const off = await explainJson('--agent', 'bot', 'POST', 'https://deploy.example.com/run');
    expect(off.code).toBe(1);
    expect(off.doc).toMatchObject({ decision: 'deny', code: 'condition_not_met', rule: 'web/deploy' });
  });

  it('decides an https URL at CONNECT first: a tunnel rule never sees method or path', async () => {
    const on = await explainJson('--agent', 'bot', '--flag', 'mirror=true', 'PUT', 'https://mirror.example.com/any/path');
    expect(on.code).toBe(0);
    expect(on.doc).toMatchObject({ decision: 'allow', code: 'ok', rule: 'web/mirror' });
    const step = (name: string) => on.doc.trace.find((s: { check: string }) => s.check === name);
    expect(step('connect')).toMatchObject({ result: 'pass', detail: expect.stringContaining('→ tunnel (rule web/mirror)') });
    expect(step('rate')).toEqual({ check: 'rate', result: 'skip', detail: 'n/a inside a tunnel (host-level allow only)' });
    const off = await explainJson('--agent', 'bot', 'GET', 'https://mirror.example.com/');
    expect(off.code).toBe(1);
    expect(off.doc).toMatchObject({ decision: 'deny', code: 'condition_not_met', rule: 'web/mirror' });
  });

  it('exits 2 on bad input: URL, method, --flag, --at, missing --agent', async () => {
    const cases = [
      ['--agent', 'bot', 'GET', 'ftp://api.example.com/'],
      ['--agent', 'bot', 'GET', 'api.example.com/v1'],
      ['--agent', 'bot', 'G3T', 'https://api.example.com/'],
      ['--agent', 'bot', '--flag', 'release', 'GET', 'https://api.example.com/'],
      ['--agent', 'bot', '--at', '2026-01-05 10:00', 'GET', 'https://api.example.com/'],
      ['GET', 'https://api.example.com/'],
      ['--agent', 'bot', 'GET'],
    ];
    const results = await Promise.all(cases.map((args) => explain(...args)));
    results.forEach((result, index) => {
      expect(result.code, cases[index]?.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: portcullis explain');
      expect(result.stdout).toBe('');
    });
  });

  it('exits 2 when the config is invalid', async () => {
    const broken = await tempFiles({ 'gw.yaml': 'version: 2\n' });
    const result = await runCli(['explain', '-c', 'gw.yaml', '--agent', 'bot', 'GET', 'https://a.example/'], { cwd: broken });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^gw\.yaml:1:\d+: version: /m);
  });
});
