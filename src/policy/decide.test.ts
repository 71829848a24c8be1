import { describe, expect, it } from 'vitest';
import type { Locator } from '../config/issues.ts';
import type { AgentSpec, RuleSpec } from '../config/schema.ts';
import { compilePolicy } from './compile.ts';
import { decide } from './decide.ts';
import { targetFromUrl } from './normalize.ts';
import type { CompiledAgent, DecideContext, Decision, TraceStep } from './types.ts';

const locate: Locator = () => ({ file: 't.yaml', line: 1, column: 1 });
const MONDAY_NOON = Date.parse('2026-01-05T12:00:00Z');

function agentWith(rules: RuleSpec[], extra: Partial<AgentSpec> = {}): CompiledAgent {
  const { policy, issues } = compilePolicy({
    version: 1,
    policies: { p: { rules } },
    agents: { bot: { match: { cn: 'bot' }, policies: ['p'], ...extra } },
  }, locate);
  expect(issues).toEqual([]);
  return policy.agents.get('bot') as CompiledAgent;
}

function ctx(flags: Record<string, boolean> = {}, now = MONDAY_NOON, trace?: TraceStep[]): DecideContext {
  return { now, flag: (name) => flags[name] === true, ...(trace === undefined ? {} : { trace }) };
}

function run(agent: CompiledAgent, method: string, url: string, context = ctx()): Decision {
  return decide(agent, method, targetFromUrl(url), context);
}

/** `decision code rule` in one string, for compact tables. */
function outcome(d: Decision): string {
  return `${d.decision} ${d.code} ${d.rule?.ref ?? '-'}`;
}

describe('decide: host matching', () => {
  const agent = agentWith([
    { id: 'exact', host: 'api.example.com' },
    { id: 'wild', host: '*.example.org' },
    { id: 'port', host: 'alt.example.com:8443' },
    { id: 'ip', host: '10.0.0.5' },
    { id: 'v6', host: '[2001:db8::1]:8080' },
    { id: 'idn', host: 'bücher.example' },
    { id: 'deep', host: '*.b.example.net' },
    { id: 'shallow', host: '*.example.net' },
  ]);

  it.each([
    ['https://api.example.com/x', 'allow ok p/exact'],
    ['http://api.example.com/x', 'allow ok p/exact'],
    ['https://API.EXAMPLE.COM./x', 'allow ok p/exact'],
    ['https://api.example.com:8443/x', 'deny no_matching_rule -'],
    ['https://www.api.example.com/x', 'deny no_matching_rule -'],
    ['https://x.example.org/', 'allow ok p/wild'],
    ['https://a.b.c.example.org/', 'allow ok p/wild'],
    ['https://example.org/', 'deny no_matching_rule -'],
    ['https://alt.example.com:8443/', 'allow ok p/port'],
    ['https://alt.example.com/', 'deny no_matching_rule -'],
    ['http://10.0.0.5/', 'allow ok p/ip'],
    ['http://10.0.0.6/', 'deny no_matching_rule -'],
    ['http://[2001:db8:0::1]:8080/', 'allow ok p/v6'],
    ['http://[2001:db8::1]/', 'deny no_matching_rule -'],
    ['https://xn--bcher-kva.example/', 'allow ok p/idn'],
    ['https://x.b.example.net/', 'allow ok p/deep'],
    ['https://x.c.example.net/', 'allow ok p/shallow'],
  ])('%s → %s', (url, expected) => {
    expect(outcome(run(agent, 'GET', url))).toBe(expected);
  });

  it('keeps config order when a name matches exact and wildcard rules', () => {
    const both = agentWith([
      { id: 'wild', host: '*.example.com', methods: ['GET'] },
      { id: 'exact', host: 'api.example.com' },
    ]);
    expect(outcome(run(both, 'GET', 'https://api.example.com/'))).toBe('allow ok p/wild');
    expect(outcome(run(both, 'POST', 'https://api.example.com/'))).toBe('allow ok p/exact');
  });

  it('does not match an IP literal against wildcard or name rules', () => {
    const names = agentWith([{ id: 'any', host: '*.com' }, { id: 'name', host: 'localhost' }]);
    expect(outcome(run(names, 'GET', 'http://127.0.0.1/'))).toBe('deny no_matching_rule -');
    expect(outcome(run(names, 'GET', 'https://x.com/'))).toBe('allow ok p/any');
  });
});

describe('decide: methods and paths', () => {
  const agent = agentWith([
    { id: 'read', host: 'api.github.com', methods: ['GET', 'HEAD'], paths: ['/repos/acme/**'] },
    { id: 'pr', host: 'api.github.com', methods: ['post'], paths: ['/repos/acme/*/pulls'] },
    { id: 'double', host: 'api.github.com', paths: ['/a//b'] },
  ]);

  it.each([
    ['GET', 'https://api.github.com/repos/acme', 'allow ok p/read'],
    ['HEAD', 'https://api.github.com/repos/acme/infra/issues?state=open', 'allow ok p/read'],
    ['DELETE', 'https://api.github.com/repos/acme/infra', 'deny no_matching_rule -'],
    ['GET', 'https://api.github.com/repos/other/infra', 'deny no_matching_rule -'],
    ['POST', 'https://api.github.com/repos/acme/infra/pulls', 'allow ok p/pr'],
    ['POST', 'https://api.github.com/repos/acme/infra/sub/pulls', 'deny no_matching_rule -'],
    ['post', 'https://api.github.com/repos/acme/infra/pulls', 'deny no_matching_rule -'],
    ['PUT', 'https://api.github.com/a//b', 'allow ok p/double'],
    ['PUT', 'https://api.github.com/a/b', 'deny no_matching_rule -'],
  ])('%s %s → %s', (method, url, expected) => {
    expect(outcome(run(agent, method, url))).toBe(expected);
  });

  it('explains a default deny like the SPEC example', () => {
    const d = run(agent, 'POST', 'https://api.github.com/repos/acme/infra/merges');
    expect(d).toEqual({
      decision: 'deny', code: 'no_matching_rule', rule: null,
      message: "agent 'bot' may not POST https://api.github.com/repos/acme/infra/merges",
    });
  });

  it('returns the same frozen allow decision every time', () => {
    const first = run(agent, 'GET', 'https://api.github.com/repos/acme/x');
    expect(run(agent, 'GET', 'https://api.github.com/repos/acme/y')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.message).toBe('allowed by rule p/read');
  });
});

describe('decide: deny rules and conditions', () => {
  const freeze: RuleSpec = {
    id: 'freeze', host: 'api.github.com', methods: ['POST'], paths: ['/repos/acme/prod/**'], action: 'deny', when: { flags: { freeze: true } },
  };
  const allowAll: RuleSpec = { id: 'all', host: 'api.github.com' };

  it.each([
    ['deny listed first', [freeze, allowAll]],
    ['deny listed last', [allowAll, freeze]],
  ])('a deny wins over any allow (%s)', (_name, rules) => {
    const agent = agentWith(rules);
    const d = run(agent, 'POST', 'https://api.github.com/repos/acme/prod/merges', ctx({ freeze: true }));
    expect(d).toMatchObject({ decision: 'deny', code: 'denied_by_rule', rule: { ref: 'p/freeze' } });
    expect(d.message).toBe("agent 'bot' may not POST https://api.github.com/repos/acme/prod/merges: denied by rule p/freeze");
  });

  it('a deny rule whose when is false does not apply', () => {
    const agent = agentWith([freeze, allowAll]);
    expect(outcome(run(agent, 'POST', 'https://api.github.com/repos/acme/prod/merges'))).toBe('allow ok p/all');
    expect(outcome(run(agent, 'POST', 'https://api.github.com/repos/acme/other'))).toBe('allow ok p/all');
  });

  it('an allow rule whose when is false gives condition_not_met, naming the condition', () => {
    const agent = agentWith([{ id: 'office', host: 'api.example.com', when: { schedule: { days: ['mon-fri'], hours: '08:00-18:00', tz: 'Europe/Berlin' } } }]);
    const sunday = Date.parse('2026-01-04T12:00:00Z');
    expect(outcome(run(agent, 'GET', 'https://api.example.com/', ctx({}, MONDAY_NOON)))).toBe('allow ok p/office');
    expect(run(agent, 'GET', 'https://api.example.com/', ctx({}, sunday))).toEqual({
      decision: 'deny', code: 'condition_not_met', rule: agent.rulesFor('api.example.com', 443)[0],
      message: "agent 'bot' may not GET https://api.example.com/ now: outside schedule mon-fri 08:00-18:00 Europe/Berlin (rule p/office)",
    });
  });

  it('flags gate an allow rule', () => {
    const agent = agentWith([{ id: 'incident', host: 'api.example.com', when: { flags: { incident: true } } }]);
    expect(run(agent, 'GET', 'https://api.example.com/').message).toContain('flags.incident must be true');
    expect(outcome(run(agent, 'GET', 'https://api.example.com/', ctx({ incident: true })))).toBe('allow ok p/incident');
  });

  it('a later allow rule whose when holds wins over an earlier one whose when is false', () => {
    const agent = agentWith([
      { id: 'flagged', host: 'api.example.com', when: { flags: { x: true } } },
      { id: 'plain', host: 'api.example.com' },
    ]);
    expect(outcome(run(agent, 'GET', 'https://api.example.com/'))).toBe('allow ok p/plain');
  });

  it('an allow rule that does not match the method is not a condition failure', () => {
    const agent = agentWith([{ id: 'flagged', host: 'api.example.com', methods: ['GET'], when: { flags: { x: true } } }]);
    expect(outcome(run(agent, 'POST', 'https://api.example.com/'))).toBe('deny no_matching_rule -');
  });

  it('tunnel rules do not match requests inside an intercepted connection', () => {
    const agent = agentWith([{ id: 'pypi', host: 'pypi.org', tunnel: true }]);
    expect(outcome(run(agent, 'GET', 'https://pypi.org/simple/'))).toBe('deny no_matching_rule -');
  });

  it('approve rules allow at this stage (the approval gate comes later)', () => {
    const agent = agentWith([{ id: 'pr', host: 'api.github.com', action: 'approve', approval: { timeout: '10m' } }]);
    expect(run(agent, 'POST', 'https://api.github.com/x')).toMatchObject({ decision: 'allow', code: 'ok', rule: { action: 'approve' } });
  });
});

describe('decide: report mode and disabled', () => {
  it('a report agent is recorded as report with the code it would have had', () => {
    const agent = agentWith([{ id: 'x', host: 'api.example.com', paths: ['/ok'] }, { id: 'no', host: 'api.example.com', paths: ['/no'], action: 'deny' }], { mode: 'report' });
    expect(outcome(run(agent, 'GET', 'https://api.example.com/ok'))).toBe('allow ok p/x');
    expect(outcome(run(agent, 'GET', 'https://api.example.com/other'))).toBe('report no_matching_rule -');
    expect(outcome(run(agent, 'GET', 'https://api.example.com/no'))).toBe('report denied_by_rule p/no');
    expect(outcome(run(agent, 'GET', 'https://elsewhere.example/'))).toBe('report no_matching_rule -');
  });

  it('a report-mode deny rule never blocks, and turns its allow into report', () => {
    const agent = agentWith([
      { id: 'trial', host: 'api.example.com', paths: ['/admin/**'], action: 'deny', mode: 'report' },
      { id: 'all', host: 'api.example.com', paths: ['/admin/**', '/public'] },
    ]);
    expect(outcome(run(agent, 'GET', 'https://api.example.com/admin/x'))).toBe('report denied_by_rule p/trial');
    expect(outcome(run(agent, 'GET', 'https://api.example.com/public'))).toBe('allow ok p/all');
  });

  it('a report-mode deny rule does not turn a default deny into a pass', () => {
    const agent = agentWith([{ id: 'trial', host: 'api.example.com', action: 'deny', mode: 'report' }]);
    expect(outcome(run(agent, 'GET', 'https://api.example.com/'))).toBe('deny no_matching_rule -');
  });

  it('an enforced deny still wins over a report-mode deny listed before it', () => {
    const agent = agentWith([
      { id: 'trial', host: 'api.example.com', action: 'deny', mode: 'report' },
      { id: 'real', host: 'api.example.com', action: 'deny' },
      { id: 'all', host: 'api.example.com' },
    ]);
    expect(outcome(run(agent, 'GET', 'https://api.example.com/'))).toBe('deny denied_by_rule p/real');
  });

  it('a report-mode allow rule whose condition fails is recorded, not blocked', () => {
    const agent = agentWith([{ id: 'hours', host: 'api.example.com', mode: 'report', when: { flags: { open: true } } }]);
    expect(outcome(run(agent, 'GET', 'https://api.example.com/'))).toBe('report condition_not_met p/hours');
  });

  it('disabled rules are ignored and disabled agents are suspended', () => {
    const agent = agentWith([{ id: 'off', host: 'api.example.com', mode: 'disabled' }]);
    expect(outcome(run(agent, 'GET', 'https://api.example.com/'))).toBe('deny no_matching_rule -');
    const disabled = agentWith([{ id: 'on', host: 'api.example.com' }], { mode: 'disabled' });
    expect(run(disabled, 'GET', 'https://api.example.com/')).toEqual({
      decision: 'deny', code: 'agent_suspended', rule: null, message: "agent 'bot' is suspended (mode: disabled)",
    });
  });
});

describe('decide: trace', () => {
  it('records why each candidate rule did or did not match', () => {
    const agent = agentWith([
      { id: 'get', host: 'api.example.com', methods: ['GET'] },
      { id: 'path', host: 'api.example.com', paths: ['/v1/**'] },
      { id: 'flag', host: 'api.example.com', when: { flags: { on: true } } },
    ]);
    const trace: TraceStep[] = [];
    const d = run(agent, 'POST', 'https://api.example.com/v2', ctx({}, MONDAY_NOON, trace));
    expect(d.code).toBe('condition_not_met');
    expect(trace).toEqual([
      { check: 'agent', result: 'pass', detail: "agent 'bot' is in enforce mode" },
      { check: 'host', result: 'pass', detail: '3 rule(s) for api.example.com:443' },
      { check: 'rule p/get', result: 'fail', detail: 'method POST is not one of GET' },
      { check: 'rule p/path', result: 'fail', detail: 'path /v2 matches none of /v1/**' },
      { check: 'rule p/flag', result: 'fail', detail: 'allow rule applies but its condition is false: flags.on must be true' },
      { check: 'decision', result: 'fail', detail: `deny condition_not_met: ${d.message}` },
    ]);
  });
});
