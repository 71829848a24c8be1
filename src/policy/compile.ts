// Schema-valid config → CompiledPolicy (SPEC §3 identity lookup, §4 rules). Every problem is
// collected with its key path, so `portcullis check` reports them all in one pass; the policy
// is returned either way, and the loader refuses it when any issue was found.
//
// An agent's rules are its policies' rules in the order the policies are listed, then its own
// rules (`agent/RULE_ID`); `mode: disabled` rules are dropped. Policies are compiled once and
// their rule objects shared by every agent that lists them.
import { issueAt, type ConfigIssue, type KeyPath, type Locator } from '../config/issues.ts';
import type { AgentSpec, ConfigFile, RuleSpec } from '../config/schema.ts';
import { parseRate } from '../config/units.ts';
import { compileRule } from './compile-rule.ts';
import { buildHostIndex, type IndexedRule } from './host-index.ts';
import type { CompiledAgent, CompiledPolicy } from './types.ts';

/** The word an agent's own rules are referenced by (`agent/RULE_ID`, SPEC §6). */
const AGENT_OWN = 'agent';

function compileRules(rules: readonly RuleSpec[], refPrefix: string, owner: string, at: KeyPath, locate: Locator, issues: ConfigIssue[]): IndexedRule[] {
  const firstIndex = new Map<string, number>();
  const out: IndexedRule[] = [];
  for (const [i, spec] of rules.entries()) {
    const first = firstIndex.get(spec.id);
    if (first !== undefined) {
      issues.push(issueAt(locate, [...at, i, 'id'], `duplicate rule id '${spec.id}' in ${owner} (first at rules[${first}])`));
    } else {
      firstIndex.set(spec.id, i);
    }
    const compiled = compileRule(spec, `${refPrefix}/${spec.id}`, [...at, i], locate, issues);
    if (compiled !== null) out.push(compiled);
  }
  return out;
}

function compileMatch(id: string, spec: AgentSpec, locate: Locator, issues: ConfigIssue[]): CompiledAgent['match'] {
  const { spiffe, cn, token_sha256: token, require = [] } = spec.match;
  const at: KeyPath = ['agents', id, 'match'];
  if (spiffe === undefined && cn === undefined && token === undefined) {
    issues.push(issueAt(locate, at, `agent '${id}' has nothing to be identified by: set spiffe, cn or token_sha256`));
  }
  for (const [i, need] of require.entries()) {
    if (need === 'token' && token === undefined) {
      issues.push(issueAt(locate, [...at, 'require', i], 'require: token needs match.token_sha256'));
    }
    if (need === 'mtls' && spiffe === undefined && cn === undefined) {
      issues.push(issueAt(locate, [...at, 'require', i], 'require: mtls needs match.spiffe or match.cn'));
    }
  }
  return Object.freeze({
    spiffe: spiffe ?? null,
    cn: cn ?? null,
    tokenSha256: token === undefined ? null : token.slice('sha256:'.length).toLowerCase(),
    require: new Set(require),
  });
}

function agentRules(id: string, spec: AgentSpec, policies: ReadonlyMap<string, IndexedRule[]>, locate: Locator, issues: ConfigIssue[]): IndexedRule[] {
  const rules: IndexedRule[] = [];
  const listed = new Set<string>();
  for (const [i, name] of (spec.policies ?? []).entries()) {
    const policy = policies.get(name);
    if (policy === undefined) {
      issues.push(issueAt(locate, ['agents', id, 'policies', i], `unknown policy '${name}'`));
    } else if (listed.has(name)) {
      issues.push(issueAt(locate, ['agents', id, 'policies', i], `policy '${name}' is listed twice`));
    } else {
      rules.push(...policy);
    }
    listed.add(name);
  }
  rules.push(...compileRules(spec.rules ?? [], AGENT_OWN, `the rules of agent '${id}'`, ['agents', id, 'rules'], locate, issues));
  return rules;
}

/** Registers `agent` under `key` in `index`, or reports who claimed it first. */
function claim(index: Map<string, CompiledAgent>, key: string | null, agent: CompiledAgent, what: string, at: KeyPath, locate: Locator, issues: ConfigIssue[]): void {
  if (key === null) return;
  const owner = index.get(key);
  if (owner === undefined) index.set(key, agent);
  else issues.push(issueAt(locate, at, `${what} is already claimed by agent '${owner.id}'`));
}

export function compilePolicy(config: ConfigFile, locate: Locator): { policy: CompiledPolicy; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const policies = new Map<string, IndexedRule[]>();
  for (const [name, spec] of Object.entries(config.policies ?? {})) {
    if (name === AGENT_OWN) {
      issues.push(issueAt(locate, ['policies', name], `policy name '${AGENT_OWN}' is reserved: agent rules are referenced as ${AGENT_OWN}/RULE_ID`));
    }
    policies.set(name, compileRules(spec.rules, name, `policy '${name}'`, ['policies', name, 'rules'], locate, issues));
  }

  const agents = new Map<string, CompiledAgent>();
  const bySpiffe = new Map<string, CompiledAgent>();
  const byCn = new Map<string, CompiledAgent>();
  const byTokenSha256 = new Map<string, CompiledAgent>();
  for (const [id, spec] of Object.entries(config.agents ?? {})) {
    const match = compileMatch(id, spec, locate, issues);
    const rules = agentRules(id, spec, policies, locate, issues);
    const agent: CompiledAgent = Object.freeze({
      id,
      team: spec.team ?? null,
      mode: spec.mode ?? 'enforce',
      rate: spec.rate === undefined ? null : parseRate(spec.rate),
      maxTunnels: spec.max_tunnels ?? null,
      match,
      rulesFor: buildHostIndex(rules),
    });
    agents.set(id, agent);
    const at: KeyPath = ['agents', id, 'match'];
    claim(bySpiffe, match.spiffe, agent, `spiffe '${match.spiffe}'`, [...at, 'spiffe'], locate, issues);
    claim(byCn, match.cn, agent, `cn '${match.cn}'`, [...at, 'cn'], locate, issues);
    claim(byTokenSha256, match.tokenSha256, agent, 'this token_sha256', [...at, 'token_sha256'], locate, issues);
  }

  const policy: CompiledPolicy = Object.freeze({ agents, bySpiffe, byCn, byTokenSha256 });
  return { policy, issues };
}
