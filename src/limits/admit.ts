// The limits stage of one request (SPEC §2 order: rate, then budget): which rates and budgets
// apply, one acquire against the store, and the refusal it means. Rates always count; budgets
// only for requests that can cost money (a metered rule, or one with `reserve_usd`), so an
// exhausted LLM budget does not also stop an agent reading its repositories.
import type { AuditBudget } from '../audit/record.ts';
import type { CompiledBudget } from '../config/compiled.ts';
import { GatewayError } from '../errors.ts';
import type { CompiledAgent, CompiledRule } from '../policy/types.ts';
import type { Runtime } from '../runtime.ts';
import { nanoToUsd } from './money.ts';
import { StoreUnavailableError, type AcquireRequest, type BudgetState, type RateCheck, type Reservation } from './types.ts';

/** Held past the upstream timeout so a slow stream is not released early, then freed by expiry. */
const RESERVATION_SLACK_MS = 60_000;
const NO_BUDGETS: readonly CompiledBudget[] = [];

export type Admission =
  | { readonly ok: true; readonly reservation: Reservation | null; readonly storeBypassed: boolean }
  | { readonly ok: false; readonly error: GatewayError };

/** Synchronous when nothing limits the request (no store call, no await on the hot path). */
export function admit(
  rt: Runtime,
  agent: CompiledAgent,
  rule: CompiledRule | null,
  estimateNano: number,
  costs: boolean,
): Admission | Promise<Admission> {
  const rates: RateCheck[] = [];
  if (agent.rate !== null) rates.push({ id: 'agent', limit: agent.rate.limit, periodMs: agent.rate.periodMs, text: agent.rate.text });
  if (rule?.rate) rates.push({ id: rule.ref, limit: rule.rate.limit, periodMs: rule.rate.periodMs, text: rule.rate.text });
  const budgets = costs ? rt.config.budgets.get(agent.id) ?? NO_BUDGETS : NO_BUDGETS;
  if (rates.length === 0 && budgets.length === 0) return UNLIMITED;

  return acquire(rt, agent, {
    agentId: agent.id,
    team: agent.team,
    rates,
    budgets,
    estimateNano,
    now: rt.now(),
    reservationTtlMs: rt.config.limits.upstreamTimeoutMs + (rule?.approvalTimeoutMs ?? 0) + RESERVATION_SLACK_MS,
  });
}

const UNLIMITED: Admission = Object.freeze({ ok: true, reservation: null, storeBypassed: false });

async function acquire(rt: Runtime, agent: CompiledAgent, request: AcquireRequest): Promise<Admission> {
  let result;
  try {
    result = await rt.store.acquire(request);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err;
    rt.metrics.storeError();
    if (rt.config.store.onError === 'allow') {
      rt.log.warn({ err: err.message, agent: agent.id }, 'counter store unavailable; forwarding unchecked (store.on_error: allow)');
      return { ok: true, reservation: null, storeBypassed: true };
    }
    return { ok: false, error: new GatewayError('store_unavailable', 'the counter store is unavailable; try again shortly', { headers: { 'retry-after': '1' } }) };
  }
  if (result.ok) return { ok: true, reservation: result.reservation, storeBypassed: false };
  if (result.code === 'rate_limited') {
    const scope = result.rate.id === 'agent' ? `agent '${agent.id}'` : `rule ${result.rate.id}`;
    return {
      ok: false,
      error: new GatewayError('rate_limited', `rate limit ${result.rate.text} of ${scope} is exhausted; retry in ${result.retryAfterSec} s`,
        { headers: { 'retry-after': String(result.retryAfterSec) } }),
    };
  }
  const b = result.budget;
  return {
    ok: false,
    error: new GatewayError('budget_exceeded',
      `budget '${b.id}' (${b.owner}) would be exceeded: $${b.spentUsd} spent and $${b.reservedUsd} reserved of $${b.limitUsd}, ` +
      `this request may cost up to $${nanoToUsd(request.estimateNano)}; it resets at ${b.resetsAt}`,
      { details: { budget: budgetBody(b) } }),
  };
}

/** SPEC §2: 402's body adds `budget: { id, spent_usd, reserved_usd, limit_usd, resets_at }`. */
function budgetBody(b: BudgetState): Record<string, unknown> {
  return { id: b.id, spent_usd: b.spentUsd, reserved_usd: b.reservedUsd, limit_usd: b.limitUsd, resets_at: b.resetsAt };
}

/** The audit record's `budgets` (SPEC §6). */
export function auditBudgets(states: readonly BudgetState[]): AuditBudget[] {
  return states.map((b) => ({ id: b.id, spent_usd: b.spentUsd, limit_usd: b.limitUsd }));
}
