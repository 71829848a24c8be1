// Governance key layout in Redis (SPEC §9), PREFIX = `portcullis` unless configured:
//
//   PREFIX:suspensions            hash  agent id or `*` → Suspension JSON
//   PREFIX:flags                  hash  flag name → `1` | `0`
//   PREFIX:governance             pub/sub channel: `switches` | `approval:ID` (a hint; polls are the guarantee)
//   {PREFIX:approvals}:ID         hash  one approval: binding, state, times (ms), decided_by, comment
//   {PREFIX:approvals}:pending    zset  pending ids scored by expiry (ms)
//   {PREFIX:approvals}:decided    zset  final ids scored by decision time (ms), trimmed to the retention
//
// Approval keys share one hash tag, so under Redis Cluster the Lua transition can touch a
// record and both indexes in one slot. Approval traffic is a few per minute, so one slot is
// no hot spot. Expiry: a record lives `timeout + retention` from creation (a replica that died
// while waiting cannot leave it forever), and `retention` (default 24 h) after its decision,
// so `GET /v1/approvals?state=approved` can show recent decisions for that long.
export interface GovernanceKeys {
  readonly suspensions: string;
  readonly flags: string;
  readonly channel: string;
  readonly pending: string;
  readonly decided: string;
  approval(id: string): string;
}

export const DEFAULT_PREFIX = 'portcullis';

export function governanceKeys(prefix: string = DEFAULT_PREFIX): GovernanceKeys {
  const tag = `{${prefix}:approvals}`;
  return {
    suspensions: `${prefix}:suspensions`,
    flags: `${prefix}:flags`,
    channel: `${prefix}:governance`,
    pending: `${tag}:pending`,
    decided: `${tag}:decided`,
    approval: (id) => `${tag}:${id}`,
  };
}

export const SWITCHES_CHANGED = 'switches';
export const APPROVAL_MESSAGE_PREFIX = 'approval:';
