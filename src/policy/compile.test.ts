import { describe, expect, it } from 'vitest';
import type { Locator } from '../config/issues.ts';
import type { AgentSpec, ConfigFile, RuleSpec } from '../config/schema.ts';
import { compilePolicy } from './compile.ts';

const locate: Locator = (path) => ({ file: 't.yaml', line: path.length, column: 1 });
const TOKEN = 'ab'.repeat(32);

function config(rules: RuleSpec[], agents?: Record<string, AgentSpec>): ConfigFile {
  return {
    version: 1,
    policies: { p: { rules } },
    agents: agents ?? { a: { match: { spiffe: 'spiffe://t/a' }, policies: ['p'] } },
  };
}

/** The issues of a config, as `path: message`. */
function issuesOf(file: ConfigFile): string[] {
  return compilePolicy(file, locate).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('compilePolicy: agents and rules', () => {
  it('orders policy rules as listed, then the agent own rules, and drops disabled rules', () => {
    const file: ConfigFile = {
      version: 1,
      policies: {
        first: { rules: [{ id: 'one', host: 'api.example.com' }, { id: 'off', host: 'api.example.com', mode: 'disabled' }] },
        second: { rules: [{ id: 'two', host: ['*.example.com', 'other.example'] }] },
      },
      agents: {
        a: {
          match: { spiffe: 'spiffe://t/a' },
          policies: ['second', 'first'],
          rules: [{ id: 'own', host: 'api.example.com', methods: ['get', 'Post'] }],
        },
      },
    };
    const { policy, issues } = compilePolicy(file, locate);
    expect(issues).toEqual([]);
    const agent = policy.agents.get('a');
    const rules = agent?.rulesFor('api.example.com', 443) ?? [];
    expect(rules.map((r) => r.ref)).toEqual(['second/two', 'first/one', 'agent/own']);
    expect([...(rules[2]?.methods ?? [])]).toEqual(['GET', 'POST']);
    expect(rules[0]?.hosts).toEqual(['*.example.com', 'other.example']);
  });

  it('indexes agents by SPIFFE ID, CN and token digest (hex without prefix)', () => {
    const { policy, issues } = compilePolicy({
      version: 1,
      agents: {
        m: { match: { spiffe: 'spiffe://t/m', require: ['mtls'] } },
        c: { match: { cn: 'agent-c' } },
        t: { match: { token_sha256: `sha256:${TOKEN}`, require: ['token'] }, team: 'finance', rate: '10/min', max_tunnels: 3 },
      },
    }, locate);
    expect(issues).toEqual([]);
    expect(policy.bySpiffe.get('spiffe://t/m')?.id).toBe('m');
    expect(policy.byCn.get('agent-c')?.id).toBe('c');
    const t = policy.byTokenSha256.get(TOKEN);
    expect(t?.id).toBe('t');
    expect(t).toMatchObject({ team: 'finance', mode: 'enforce', maxTunnels: 3, rate: { limit: 10, periodMs: 60_000 } });
    expect([...(t?.match.require ?? [])]).toEqual(['token']);
  });

  it('compiles rule settings to their run-time form', () => {
    const { policy, issues } = compilePolicy(config([{
      id: 'llm', host: 'api.openai.com', methods: ['POST'], paths: ['/v1/chat/completions'],
      meter: { usd_per_request: 0.002 }, reserve_usd: 0.01, rate: '120/min', max_request_bytes: 1000,
      inject: { headers: { Authorization: 'Bearer sk' } }, mode: 'report',
    }, {
      id: 'gate', host: 'api.openai.com', action: 'approve', approval: { timeout: '10m' }, meter: 'openai',
    }]), locate);
    expect(issues).toEqual([]);
    const [llm, gate] = policy.agents.get('a')?.rulesFor('api.openai.com', 443) ?? [];
    expect(llm).toMatchObject({
      ref: 'p/llm', action: 'allow', mode: 'report', tunnel: false, meter: { kind: 'fixed', usdPerRequest: 0.002 },
      reserveUsd: 0.01, rate: { limit: 120, periodMs: 60_000 }, maxRequestBytes: 1000, approvalTimeoutMs: null, when: null,
    });
    expect([...(llm?.injectHeaders ?? [])]).toEqual([['authorization', 'Bearer sk']]);
    expect(gate).toMatchObject({ action: 'approve', approvalTimeoutMs: 600_000, meter: { kind: 'openai' } });
  });

  it('locates every issue with file and line from the locator', () => {
    const { issues } = compilePolicy(config([{ id: 'x', host: '*' }]), locate);
    expect(issues).toEqual([{ file: 't.yaml', line: 5, column: 1, path: 'policies.p.rules[0].host', message: expect.any(String) }]);
  });
});

describe('compilePolicy: issues', () => {
  const rule = (extra: Partial<RuleSpec>): RuleSpec => ({ id: 'r', host: 'api.example.com', ...extra });

  it.each<[string, RuleSpec[], string[]]>([
    ['bad glob', [rule({ paths: ['/ok', 'v1/**'] })],
      ["policies.p.rules[0].paths[1]: path glob 'v1/**' must start with '/'"]],
    ['triple star', [rule({ paths: ['/a/***'] })],
      ["policies.p.rules[0].paths[0]: path glob '/a/***': '**' must be a whole segment, '***' is not"]],
    ['duplicate rule id in a policy', [rule({}), rule({ host: 'b.example' })],
      ["policies.p.rules[1].id: duplicate rule id 'r' in policy 'p' (first at rules[0])"]],
    ['star alone', [rule({ host: '*' })],
      ["policies.p.rules[0].host: bad host pattern '*': '*' is only allowed as the whole first label ('*.example.com')"]],
    ['star inside', [rule({ host: ['ok.example', 'a.*.com'] })],
      ["policies.p.rules[0].host[1]: bad host pattern 'a.*.com': '*' is only allowed as the whole first label ('*.example.com')"]],
    ['empty label', [rule({ host: 'a..example.com' })],
      ["policies.p.rules[0].host: bad host pattern 'a..example.com': host 'a..example.com' is not a valid host name (empty or over-long label)"]],
    ['port out of range', [rule({ host: 'api.example.com:70000' })],
      ["policies.p.rules[0].host: bad host pattern 'api.example.com:70000': port '70000' is not a number from 1 to 65535 without leading zeros"]],
    ['wildcard IP', [rule({ host: '*.10.0.0.1' })],
      ["policies.p.rules[0].host: bad host pattern '*.10.0.0.1': an IP address cannot have a wildcard"]],
    ['non-canonical IP', [rule({ host: '0x7f.1' })],
      ["policies.p.rules[0].host: bad host pattern '0x7f.1': host '0x7f.1' reads as an IPv4 address but is not in canonical a.b.c.d form"]],
    ['tunnel with request-level settings', [rule({ tunnel: true, methods: ['GET'], paths: ['/x'], meter: 'openai', inject: { headers: { a: 'b' } }, reserve_usd: 1, max_request_bytes: 10 })], [
      'policies.p.rules[0].methods: tunnel rules are host-level only: methods cannot apply to spliced bytes',
      'policies.p.rules[0].paths: tunnel rules are host-level only: paths cannot apply to spliced bytes',
      'policies.p.rules[0].meter: tunnel rules are host-level only: meter cannot apply to spliced bytes',
      'policies.p.rules[0].inject: tunnel rules are host-level only: inject cannot apply to spliced bytes',
      'policies.p.rules[0].reserve_usd: tunnel rules are host-level only: reserve_usd cannot apply to spliced bytes',
      'policies.p.rules[0].max_request_bytes: tunnel rules are host-level only: max_request_bytes cannot apply to spliced bytes',
    ]],
    ['tunnel with approval', [rule({ tunnel: true, action: 'approve' })],
      ['policies.p.rules[0].action: tunnel rules are host-level only: action approve needs a request to hold']],
    ['deny with inject and meter', [rule({ action: 'deny', inject: { headers: { a: 'b' } }, meter: 'none' })], [
      'policies.p.rules[0].inject: deny rules forward nothing: inject is meaningless on them',
      'policies.p.rules[0].meter: deny rules forward nothing: meter is meaningless on them',
    ]],
    ['approval without approve', [rule({ approval: { timeout: '5m' } })],
      ['policies.p.rules[0].approval: approval is only meaningful with action: approve']],
    ['bad day', [rule({ when: { schedule: { days: ['mon', 'someday'] } } })],
      ["policies.p.rules[0].when.schedule.days[1]: bad day 'someday': use mon..sun or a range like mon-fri"]],
    ['bad hours', [rule({ when: { schedule: { hours: '18:00-18:00' } } })],
      ["policies.p.rules[0].when.schedule.hours: bad hours '18:00-18:00': use HH:MM-HH:MM with 00:00..23:59 (end may be 24:00) and start ≠ end"]],
    ['bad tz', [rule({ when: { schedule: { tz: 'Nowhere/Special' } } })],
      ["policies.p.rules[0].when.schedule.tz: unknown time zone 'Nowhere/Special' (use an IANA name like Europe/Berlin)"]],
    ['bad header name and value', [rule({ inject: { headers: { 'bad header': 'x', 'x-key': 'a\r\nb', 'X-Dup': '1', 'x-dup': '2' } } })], [
      "policies.p.rules[0].inject.headers.bad header: 'bad header' is not a valid header name",
      "policies.p.rules[0].inject.headers.x-key: the value of header 'x-key' contains CR, LF or NUL",
      "policies.p.rules[0].inject.headers.x-dup: header 'x-dup' is injected twice (header names are case-insensitive)",
    ]],
    ['problems in a disabled rule', [rule({ mode: 'disabled', paths: ['nope'] })],
      ["policies.p.rules[0].paths[0]: path glob 'nope' must start with '/'"]],
  ])('%s', (_name, rules, expected) => {
    expect(issuesOf(config(rules))).toEqual(expected);
  });

  it.each<[string, Record<string, AgentSpec>, string[]]>([
    ['unknown policy', { a: { match: { cn: 'a' }, policies: ['nope'] } }, ["agents.a.policies[0]: unknown policy 'nope'"]],
    ['policy listed twice', { a: { match: { cn: 'a' }, policies: ['p', 'p'] } }, ["agents.a.policies[1]: policy 'p' is listed twice"]],
    ['duplicate own rule id', { a: { match: { cn: 'a' }, rules: [{ id: 'x', host: 'a.example' }, { id: 'x', host: 'b.example' }] } },
      ["agents.a.rules[1].id: duplicate rule id 'x' in the rules of agent 'a' (first at rules[0])"]],
    ['empty match', { a: { match: {} } }, ["agents.a.match: agent 'a' has nothing to be identified by: set spiffe, cn or token_sha256"]],
    ['require token without a token', { a: { match: { spiffe: 'spiffe://t/a', require: ['mtls', 'token'] } } },
      ['agents.a.match.require[1]: require: token needs match.token_sha256']],
    ['require mtls without spiffe or cn', { a: { match: { token_sha256: `sha256:${TOKEN}`, require: ['mtls'] } } },
      ['agents.a.match.require[0]: require: mtls needs match.spiffe or match.cn']],
    ['two agents, one SPIFFE ID', { a: { match: { spiffe: 'spiffe://t/x' } }, b: { match: { spiffe: 'spiffe://t/x' } } },
      ["agents.b.match.spiffe: spiffe 'spiffe://t/x' is already claimed by agent 'a'"]],
    ['two agents, one CN', { a: { match: { cn: 'x' } }, b: { match: { cn: 'x' } } },
      ["agents.b.match.cn: cn 'x' is already claimed by agent 'a'"]],
    ['two agents, one token', { a: { match: { token_sha256: `sha256:${TOKEN}` } }, b: { match: { token_sha256: `sha256:${TOKEN}` } } },
      ["agents.b.match.token_sha256: this token_sha256 is already claimed by agent 'a'"]],
  ])('%s', (_name, agents, expected) => {
    expect(issuesOf(config([{ id: 'r', host: 'api.example.com' }], agents))).toEqual(expected);
  });

  it('reserves the policy name used for agent rules', () => {
    expect(issuesOf({ version: 1, policies: { agent: { rules: [] } } })).toEqual([
      "policies.agent: policy name 'agent' is reserved: agent rules are referenced as agent/RULE_ID",
    ]);
  });

  it('accepts usd_per_request together with reserve_usd', () => {
    expect(issuesOf(config([rule({ meter: { usd_per_request: 0.5 }, reserve_usd: 1 })]))).toEqual([]);
  });
});
