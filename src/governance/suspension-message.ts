// The refusal of a suspended agent (SPEC §2 `agent_suspended`). It names who suspended it, the
// scope and the reason: the message is kept in the audit record, which is where an operator
// later looks for who stopped an agent and why.
import { ALL_AGENTS } from './names.ts';
import type { Suspension } from './types.ts';

export function suspensionMessage(agentId: string, suspension: Suspension): string {
  const scope = suspension.agent === ALL_AGENTS ? ' (suspend-all)' : '';
  return `agent '${agentId}' is suspended${scope} by ${suspension.by}${suspension.reason ? `: ${suspension.reason}` : ''}`;
}
