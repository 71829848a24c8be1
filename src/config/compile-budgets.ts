// `budgets` → per-agent budget lists (SPEC §4, §5). Owners are an agent id, `team:NAME` or
// `*`. An agent's budgets are its own (or the `*` ones when it has none of its own) plus its
// team's; all of them must hold for a request to pass.
import type { CompiledBudget } from './compiled.ts';
import { issueAt, type ConfigIssue, type Locator } from './issues.ts';
import type { AgentSpec, BudgetSpec } from './schema.ts';
import { didYouMean } from './suggest.ts';

const TEAM_PREFIX = 'team:';
const EVERY_AGENT = '*';

export function compileBudgets(
  specs: Readonly<Record<string, readonly BudgetSpec[]>> | undefined,
  agents: Readonly<Record<string, AgentSpec>> | undefined,
  locate: Locator,
): { budgets: Map<string, readonly CompiledBudget[]>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const agentIds = Object.keys(agents ?? {});
  const teams = new Set(Object.values(agents ?? {}).flatMap((a) => (a.team === undefined ? [] : [a.team])));
  const byOwner = new Map<string, CompiledBudget[]>();

  for (const [owner, list] of Object.entries(specs ?? {})) {
    const ownerIssue = checkOwner(owner, agentIds, teams);
    if (ownerIssue !== null) issues.push(issueAt(locate, ['budgets', owner], ownerIssue));
    const compiled: CompiledBudget[] = [];
    const firstIndexOf = new Map<string, number>();
    list.forEach((spec, index) => {
      const earlier = firstIndexOf.get(spec.id);
      if (earlier !== undefined) {
        issues.push(issueAt(locate, ['budgets', owner, index, 'id'], `duplicate budget id '${spec.id}' for '${owner}' (also budgets.${owner}[${earlier}])`));
        return;
      }
      firstIndexOf.set(spec.id, index);
      const tz = spec.tz ?? 'UTC';
      if (!isTimeZone(tz)) {
        issues.push(issueAt(locate, ['budgets', owner, index, 'tz'], `unknown time zone '${tz}' (use an IANA name such as UTC or Europe/Berlin)${didYouMean(tz, timeZones())}`));
        return;
      }
      compiled.push({ id: spec.id, owner, limitUsd: spec.limit_usd, per: spec.per, tz });
    });
    byOwner.set(owner, compiled);
  }

  const budgets = new Map<string, readonly CompiledBudget[]>();
  for (const [id, agent] of Object.entries(agents ?? {})) {
    const own = byOwner.get(id) ?? [];
    const team = agent.team === undefined ? [] : (byOwner.get(TEAM_PREFIX + agent.team) ?? []);
    budgets.set(id, [...(own.length > 0 ? own : (byOwner.get(EVERY_AGENT) ?? [])), ...team]);
  }
  return { budgets, issues };
}

function checkOwner(owner: string, agentIds: readonly string[], teams: ReadonlySet<string>): string | null {
  if (owner === EVERY_AGENT) return null;
  if (owner.startsWith(TEAM_PREFIX)) {
    const team = owner.slice(TEAM_PREFIX.length);
    return teams.has(team) ? null : `unknown team '${team}': no agent has 'team: ${team}'${didYouMean(team, teams)}`;
  }
  if (agentIds.includes(owner)) return null;
  return `unknown agent '${owner}' (budget owners are an agent id, team:NAME or "*")${didYouMean(owner, agentIds)}`;
}

const zoneValidity = new Map<string, boolean>();

/** IANA zone names as this runtime's Intl knows them. */
export function isTimeZone(tz: string): boolean {
  let valid = zoneValidity.get(tz);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      valid = true;
    } catch {
      valid = false;
    }
    zoneValidity.set(tz, valid);
  }
  return valid;
}

function timeZones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone')];
}
