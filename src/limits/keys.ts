// Store key layout (SPEC §9), shared by both stores so they count the same things.
//
//   pc:{t:TEAM}:rate:AGENT:RATE_ID                       sliding-window log of one rate limit
//   pc:{t:TEAM}:budget:OWNER:BUDGET_ID:WINDOW_START      spent, reserved, one field per reservation
//   pc:{t:TEAM}:budget:OWNER:BUDGET_ID:WINDOW_START:exp  reservation ids scored by their expiry
//
// Every key of one request carries the same hash tag, so Redis Cluster keeps them in one slot
// and one Lua script may touch them all. SPEC §9 says "hash-tagged per agent"; we refine that
// to per TEAM when the agent has one (`{t:TEAM}`, else `{a:AGENT}`), because a team budget is
// shared by all the team's agents and must live in the same slot as each agent's own counters.
// The cost: a team's agents share one slot (one shard), and moving an agent to another team
// starts its counters afresh.
//
// OWNER is `agent/ID`, `team/NAME`, or `each/AGENT` for a `*` budget (a default budget counts
// each agent separately). WINDOW_START is the window's start instant in ISO form, so a reset is
// a new key, never a SET over a live counter; old window keys expire on their own.
// Names are escaped so that `:` and braces in an id cannot collide with the layout.
const PREFIX = 'pc:';

function esc(text: string): string {
  return /[%:{}]/.test(text) ? text.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : text;
}

export function hashTag(agentId: string, team: string | null): string {
  return team === null ? `{a:${esc(agentId)}}` : `{t:${esc(team)}}`;
}

export function rateKey(tag: string, agentId: string, rateId: string): string {
  return `${PREFIX}${tag}:rate:${esc(agentId)}:${esc(rateId)}`;
}

function ownerKey(owner: string, agentId: string): string {
  if (owner === '*') return `each/${esc(agentId)}`;
  if (owner.startsWith('team:')) return `team/${esc(owner.slice(5))}`;
  return `agent/${esc(owner)}`;
}

/** `windowStart`: the window's start as an ISO instant. */
export function budgetKey(tag: string, owner: string, agentId: string, budgetId: string, windowStart: string): string {
  return `${PREFIX}${tag}:budget:${ownerKey(owner, agentId)}:${esc(budgetId)}:${windowStart}`;
}

/** The reservation-expiry index beside a budget window key. */
export function expiryKey(budgetWindowKey: string): string {
  return `${budgetWindowKey}:exp`;
}
