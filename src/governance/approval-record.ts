// An approval's life, shared by both stores (the Redis Lua script mirrors `transition`):
// created `pending`; then exactly one of approve, deny, the timeout or the agent leaving moves
// it to a final state. Nothing leaves a final state, which is what makes an approval single-use.
import { withoutQueryValues } from './approval-request.ts';
import { GovernanceError, type Actor, type Approval, type ApprovalRequest, type ApprovalState } from './types.ts';

/** How long a decided approval stays listed, unless configured. */
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;

export type FinalState = Exclude<ApprovalState, 'pending'>;

export type TransitionResult =
  | { readonly kind: 'changed'; readonly approval: Approval }
  /** Already final: unchanged. */
  | { readonly kind: 'not_pending'; readonly approval: Approval }
  /** A human decision that came after `expiresAt`: recorded as `expired` instead. */
  | { readonly kind: 'expired'; readonly approval: Approval };

export function newApproval(id: string, request: ApprovalRequest, now: number): Approval {
  return {
    id,
    agent: request.agent,
    rule: request.rule,
    method: request.method,
    url: withoutQueryValues(request.url),
    bodyBytes: request.bodyBytes,
    bodySha256: request.bodySha256,
    timeoutMs: request.timeoutMs,
    state: 'pending',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + request.timeoutMs).toISOString(),
    decidedBy: null,
    comment: null,
    decidedAt: null,
  };
}

export function isHumanDecision(state: FinalState): boolean {
  return state === 'approved' || state === 'denied';
}

/** `actor` is null for the waiter's own moves (expired, withdrawn): nobody decided. */
export function transition(current: Approval, to: FinalState, actor: Actor | null, now: number): TransitionResult {
  if (current.state !== 'pending') return { kind: 'not_pending', approval: current };
  const late = isHumanDecision(to) && now >= Date.parse(current.expiresAt);
  const state = late ? 'expired' : to;
  const human = isHumanDecision(state) && actor !== null;
  const approval: Approval = {
    ...current,
    state,
    decidedAt: new Date(now).toISOString(),
    decidedBy: human ? actor.by : null,
    // An empty comment is no comment (the Redis record cannot tell them apart).
    comment: human && actor.comment !== undefined && actor.comment !== '' ? actor.comment : null,
  };
  return { kind: late ? 'expired' : 'changed', approval };
}

/** What `decideApproval` answers: the decided record, or the SPEC §7 404 / 409. */
export function decisionOutcome(id: string, result: TransitionResult | null): Approval {
  if (result === null) throw new GovernanceError(404, 'approval_not_found', `no approval '${id}'`);
  const { approval } = result;
  if (result.kind === 'changed') return approval;
  if (result.kind === 'expired') {
    throw new GovernanceError(409, 'approval_not_pending', `approval '${id}' expired at ${approval.expiresAt}`);
  }
  const by = approval.decidedBy === null ? '' : ` by ${approval.decidedBy}`;
  throw new GovernanceError(409, 'approval_not_pending', `approval '${id}' is already ${approval.state}${by}`);
}
