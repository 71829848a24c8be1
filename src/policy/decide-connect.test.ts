import { describe, expect, it } from 'vitest';
import type { Locator } from '../config/issues.ts';
import type { AgentSpec, RuleSpec } from '../config/schema.ts';
import { compilePolicy } from './compile.ts';
import { decideConnect } from './decide.ts';
import type { CompiledAgent, ConnectDecision, DecideContext, TraceStep } from './types.ts';

const locate: Locator = () => ({ file: 't.yaml', line: 1, column: 1 });

function agentWith(rules: RuleSpec[], extra: Partial<AgentSpec> = {}): CompiledAgent {
  const { policy, issues } = compilePolicy({
    version: 1,
    policies: { p: { rules } },
    agents: { bot: { match: { cn: 'bot' }, policies: ['p'], ...extra } },
  }, locate);
  expect(issues).toEqual([]);
  return policy.agents.get('bot') as CompiledAgent;
}

function ctx(flags: Record<string, boolean> = {}, trace?: TraceStep[]): DecideContext {
  return { now: Date.parse('2026-01-05T12:00:00Z'), flag: (name) => flags[name] === true, ...(trace === undefined ? {} : { trace }) };
}

/** `decision code rule handling` in one string. */
function outcome(d: ConnectDecision): string {
  return `${d.decision} ${d.code} ${d.rule?.ref ?? '-'} ${d.handling ?? '-'}`;
}

describe('decideConnect', () => {
  const agent = agentWith([
    { id: 'pypi', host: ['pypi.org', 'files.pythonhosted.org'], tunnel: true },
    { id: 'gh-read', host: 'api.github.com', methods: ['GET'], paths: ['/repos/**'] },
    { id: 'gh-writes', host: 'api.github.com', methods: ['POST'], action: 'deny' },
    { id: 'blocked', host: 'evil.example.com', action: 'deny' },
    { id: 'wild', host: '*.example.com' },
    { id: 'night', host: 'batch.example.net', tunnel: true, when: { flags: { batch: true } } },
    { id: 'both-tunnel', host: 'mixed.example.net', tunnel: true },
    { id: 'both-intercept', host: 'mixed.example.net' },
  ]);

  it.each([
    ['pypi.org', 443, 'allow ok p/pypi tunnel'],
    ['files.pythonhosted.org', 443, 'allow ok p/pypi tunnel'],
    ['api.github.com', 443, 'allow ok p/gh-read intercept'],
    ['evil.example.com', 443, 'deny denied_by_rule p/blocked -'],
    ['other.example.com', 443, 'allow ok p/wild intercept'],
    ['mixed.example.net', 443, 'allow ok p/both-tunnel tunnel'],
    ['batch.example.net', 443, 'deny condition_not_met p/night -'],
    ['api.github.com', 8443, 'deny no_matching_rule - -'],
    ['unknown.example', 443, 'deny no_matching_rule - -'],
  ])('CONNECT %s:%d → %s', (host, port, expected) => {
    expect(outcome(decideConnect(agent, host, port, ctx()))).toBe(expected);
  });

  it('opens a tunnel once its condition holds', () => {
    expect(outcome(decideConnect(agent, 'batch.example.net', 443, ctx({ batch: true })))).toBe('allow ok p/night tunnel');
  });

  it('explains a refused CONNECT', () => {
    expect(decideConnect(agent, 'evil.example.com', 443, ctx()).message)
      .toBe("agent 'bot' may not CONNECT evil.example.com:443: denied by rule p/blocked");
    expect(decideConnect(agent, '2001:db8::1', 443, ctx()).message).toBe("agent 'bot' may not CONNECT [2001:db8::1]:443");
  });

  it('a report agent is never refused at CONNECT: it is intercepted and recorded', () => {
    const reporter = agentWith([{ id: 'blocked', host: 'evil.example.com', action: 'deny' }], { mode: 'report' });
    expect(outcome(decideConnect(reporter, 'unknown.example', 443, ctx()))).toBe('report no_matching_rule - intercept');
    expect(outcome(decideConnect(reporter, 'evil.example.com', 443, ctx()))).toBe('report denied_by_rule p/blocked intercept');
  });

  it('a report-mode host deny rule keeps the handling it would have had', () => {
    const trial = agentWith([
      { id: 'trial', host: 'pypi.org', action: 'deny', mode: 'report' },
      { id: 'pypi', host: 'pypi.org', tunnel: true },
    ]);
    expect(outcome(decideConnect(trial, 'pypi.org', 443, ctx()))).toBe('report denied_by_rule p/trial tunnel');
  });

  it('suspends a disabled agent before any rule', () => {
    const disabled = agentWith([{ id: 'pypi', host: 'pypi.org', tunnel: true }], { mode: 'disabled' });
    expect(outcome(decideConnect(disabled, 'pypi.org', 443, ctx()))).toBe('deny agent_suspended - -');
  });

  it('traces each candidate', () => {
    const trace: TraceStep[] = [];
    decideConnect(agent, 'api.github.com', 443, ctx({}, trace));
    expect(trace.map((s) => `${s.check} ${s.result}`)).toEqual([
      'agent pass', 'host pass', 'rule p/gh-read pass', 'rule p/gh-writes skip', 'decision pass',
    ]);
  });
});
