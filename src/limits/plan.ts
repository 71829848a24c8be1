// What one acquire touches, worked out in JS before either store runs: the keys of every rate
// and budget window, limits in nano-dollars, and the windows' reset times. Both stores execute
// the same plan, so they count the same things under the same names; only the place the
// counters live differs.
import type { CompiledBudget } from '../config/compiled.ts';
import { budgetKey, expiryKey, hashTag, rateKey } from './keys.ts';
import { nanoToUsd, usdToNano } from './money.ts';
import type { AcquireRequest, BudgetState, RateCheck, Reservation } from './types.ts';
import { budgetWindow, type BudgetWindow } from './windows.ts';

export interface RatePlan {
  readonly check: RateCheck;
  readonly key: string;
}

/** One budget window an acquire checks and reserves against, and settle later charges. */
export interface BudgetHold {
  readonly budget: CompiledBudget;
  readonly key: string;
  readonly expiryKey: string;
  readonly limitNano: number;
  readonly window: BudgetWindow;
  /**
   * When the window's keys may go: its end plus the reservation TTL, so every reservation made
   * in the window has been settled or has expired by then.
   */
  readonly expireAt: number;
}

export interface AcquirePlan {
  /** The request's hash tag (keys.ts): every key below carries it. */
  readonly tag: string;
  readonly rates: readonly RatePlan[];
  readonly holds: readonly BudgetHold[];
}

export function budgetHolds(
  agentId: string,
  team: string | null,
  budgets: readonly CompiledBudget[],
  now: number,
  keepMs: number,
): BudgetHold[] {
  const tag = hashTag(agentId, team);
  return budgets.map((budget) => {
    const window = budgetWindow(budget.per, budget.tz, now);
    const key = budgetKey(tag, budget.owner, agentId, budget.id, window.startIso);
    return { budget, key, expiryKey: expiryKey(key), limitNano: usdToNano(budget.limitUsd), window, expireAt: window.end + keepMs };
  });
}

/** Amounts cross into the store only as non-negative safe integers (the Lua scripts rely on it). */
function checkNano(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${what} must be a whole number of nano-dollars ≥ 0, got ${amount}`);
}

export function planAcquire(request: AcquireRequest): AcquirePlan {
  checkNano(request.estimateNano, 'estimateNano');
  const tag = hashTag(request.agentId, request.team);
  return {
    tag,
    rates: request.rates.map((check) => ({ check, key: rateKey(tag, request.agentId, check.id) })),
    holds: budgetHolds(request.agentId, request.team, request.budgets, request.now, request.reservationTtlMs),
  };
}

/**
 * The reservation handed back to the pipeline carries the windows it holds, so settle charges
 * exactly those (a response finishing after midnight is charged to the window it was admitted
 * in) without a lookup, and works with whichever store instance the caller holds.
 */
export class StoreReservation implements Reservation {
  readonly id: string;
  readonly estimateNano: number;
  readonly holds: readonly BudgetHold[];
  /** The hash tag of its keys: a Cluster can run its settle only with keys of the same slot. */
  readonly tag: string;

  constructor(id: string, estimateNano: number, holds: readonly BudgetHold[], tag: string) {
    this.id = id;
    this.estimateNano = estimateNano;
    this.holds = holds;
    this.tag = tag;
  }
}

/** The reservation as acquire() made it; also checks the actual cost about to be charged. */
export function storeReservation(reservation: Reservation, actualNano: number): StoreReservation {
  checkNano(actualNano, 'actualNano');
  if (!(reservation instanceof StoreReservation)) throw new TypeError('settle() takes a reservation returned by acquire()');
  return reservation;
}

export function budgetState(hold: BudgetHold, spentNano: number, reservedNano: number): BudgetState {
  return {
    id: hold.budget.id,
    owner: hold.budget.owner,
    spentUsd: nanoToUsd(spentNano),
    reservedUsd: nanoToUsd(reservedNano),
    limitUsd: hold.budget.limitUsd,
    resetsAt: hold.window.endIso,
  };
}

/** SPEC §5: allowed when spent + reserved + estimate ≤ limit; with no estimate, a budget already at its limit refuses. */
export function exceeds(spentNano: number, reservedNano: number, estimateNano: number, limitNano: number): boolean {
  const committed = spentNano + reservedNano;
  return estimateNano > 0 ? committed + estimateNano > limitNano : committed >= limitNano;
}

/** Whole seconds until a refused request may succeed, at least 1 (SPEC §2 `retry-after`). */
export function retryAfterSec(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** Ids unique across replicas: a random per-instance prefix and a counter. */
export function idGenerator(): () => string {
  const prefix = crypto.getRandomValues(new Uint8Array(6)).reduce((text, byte) => text + byte.toString(16).padStart(2, '0'), '');
  let next = 0;
  return () => `${prefix}${(next++).toString(36)}`;
}
