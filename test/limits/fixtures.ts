// Builders for counter-store requests, shared by the store suites.
import type { CompiledBudget } from '../../src/config/compiled.ts';
import { parseRate } from '../../src/config/units.ts';
import { usdToNano } from '../../src/limits/money.ts';
import type { AcquireRequest, AcquireResult, BudgetState, RateCheck, Reservation } from '../../src/limits/types.ts';

export const TTL_MS = 30_000;

export function rate(id: string, text: string): RateCheck {
  const { limit, periodMs } = parseRate(text);
  return { id, limit, periodMs, text };
}

export function budget(id: string, limitUsd: number, options: Partial<Omit<CompiledBudget, 'id' | 'limitUsd'>> = {}): CompiledBudget {
  return { id, limitUsd, owner: options.owner ?? 'agent-1', per: options.per ?? 'day', tz: options.tz ?? 'UTC' };
}

export function request(now: number, options: Partial<Omit<AcquireRequest, 'now' | 'estimateNano'>> & { estimateUsd?: number } = {}): AcquireRequest {
  return {
    agentId: options.agentId ?? 'agent-1',
    team: options.team ?? null,
    rates: options.rates ?? [],
    budgets: options.budgets ?? [],
    estimateNano: usdToNano(options.estimateUsd ?? 0),
    now,
    reservationTtlMs: options.reservationTtlMs ?? TTL_MS,
  };
}

export function reservationOf(result: AcquireResult): Reservation {
  if (!result.ok) throw new Error(`expected an admission, got ${result.code}`);
  if (result.reservation === null) throw new Error('expected a reservation');
  return result.reservation;
}

export function refusedBudget(result: AcquireResult): BudgetState {
  if (result.ok || result.code !== 'budget_exceeded') throw new Error(`expected budget_exceeded, got ${JSON.stringify(result)}`);
  return result.budget;
}

export function refusedRate(result: AcquireResult): { id: string; retryAfterSec: number } {
  if (result.ok || result.code !== 'rate_limited') throw new Error(`expected rate_limited, got ${JSON.stringify(result)}`);
  return { id: result.rate.id, retryAfterSec: result.retryAfterSec };
}
