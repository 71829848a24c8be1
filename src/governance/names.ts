// Input checks the admin API shares with the governance stores (SPEC §7: 400 on bad input).
// Whether an agent id names a configured agent is the admin API's check, against config.
import { GovernanceError } from './types.ts';

/** Suspends or resumes every agent at once (`POST /v1/suspend-all|resume-all`). */
export const ALL_AGENTS = '*';

/** Same alphabet as rule and budget ids, so a flag name is safe in a URL path, a metric label and a Redis field. */
export const FLAG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isFlagName(name: string): boolean {
  return FLAG_NAME_PATTERN.test(name);
}

export function assertFlagName(name: string): void {
  if (!isFlagName(name)) {
    throw new GovernanceError(400, 'invalid_flag_name',
      `flag name '${name}' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  }
}

export function assertSuspendTarget(agent: string): void {
  if (agent.length === 0) throw new GovernanceError(400, 'invalid_agent', 'an agent id or `*` is required');
}
