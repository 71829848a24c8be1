// The embedded counter store (no `store.url`): one replica only, same semantics as the Redis
// store. Everything runs synchronously inside one call, so an acquire is atomic without locks:
// check every rate and budget, then commit all or nothing. Time is only ever the caller's
// `now`. Expired rate logs, budget windows and reservations are dropped by a sweep at most once
// a minute, so memory stays bounded by what is live.
import { BudgetLedger, RateLog } from './memory-ledger.ts';
import {
  budgetHolds,
  budgetState,
  exceeds,
  idGenerator,
  planAcquire,
  retryAfterSec,
  storeReservation,
  StoreReservation,
  type BudgetHold,
} from './plan.ts';
import type { CompiledBudget } from '../config/compiled.ts';
import type { AcquireRequest, AcquireResult, BudgetState, CounterStore, RateCheck, Reservation } from './types.ts';

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryStore implements CounterStore {
  readonly #rates = new Map<string, RateLog>();
  readonly #ledgers = new Map<string, BudgetLedger>();
  readonly #nextId = idGenerator();
  #nextSweep = -Infinity;

  get healthy(): boolean {
    return true;
  }

  // `async` without awaits: the work is synchronous, and a bad argument becomes a rejection.
  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    return this.#acquire(request);
  }

  async settle(reservation: Reservation, actualNano: number, now: number): Promise<readonly BudgetState[]> {
    return this.#settle(storeReservation(reservation, actualNano).holds, reservation.id, actualNano, now);
  }

  async budgetStates(agentId: string, team: string | null, budgets: readonly CompiledBudget[], now: number): Promise<readonly BudgetState[]> {
    return budgetHolds(agentId, team, budgets, now, 0).map((hold) => {
      const ledger = this.#ledgers.get(hold.key);
      ledger?.releaseExpired(now);
      return budgetState(hold, ledger?.spent ?? 0, ledger?.reserved ?? 0);
    });
  }

  async close(): Promise<void> {
    this.#rates.clear();
    this.#ledgers.clear();
  }

  #acquire(request: AcquireRequest): AcquireResult {
    const { now } = request;
    this.#sweep(now);
    const plan = planAcquire(request);

    // As in acquire.lua: when several rates refuse, name the one that frees up last.
    const logs: RateLog[] = [];
    let refused: { check: RateCheck; waitMs: number } | null = null;
    for (const { check, key } of plan.rates) {
      const log = this.#rates.get(key) ?? new RateLog(check.periodMs);
      if (log.trim(now, check.periodMs) >= check.limit) {
        const waitMs = log.waitMs(now, check.limit);
        if (refused === null || waitMs > refused.waitMs) refused = { check, waitMs };
      }
      logs.push(log);
    }
    if (refused !== null) return { ok: false, code: 'rate_limited', rate: refused.check, retryAfterSec: retryAfterSec(refused.waitMs) };

    const ledgers: BudgetLedger[] = [];
    for (const hold of plan.holds) {
      const ledger = this.#ledgers.get(hold.key) ?? new BudgetLedger(hold.expireAt);
      ledger.releaseExpired(now);
      if (exceeds(ledger.spent, ledger.reserved, request.estimateNano, hold.limitNano)) {
        return { ok: false, code: 'budget_exceeded', budget: budgetState(hold, ledger.spent, ledger.reserved) };
      }
      ledgers.push(ledger);
    }

    // Every check passed: commit all of them.
    const id = this.#nextId();
    plan.rates.forEach(({ key }, i) => {
      const log = logs[i] as RateLog;
      log.add(now);
      this.#rates.set(key, log);
    });
    if (request.estimateNano > 0) {
      plan.holds.forEach((hold, i) => {
        const ledger = ledgers[i] as BudgetLedger;
        ledger.reserve(id, request.estimateNano, now + request.reservationTtlMs);
        ledger.expireAt = Math.max(ledger.expireAt, hold.expireAt);
        this.#ledgers.set(hold.key, ledger);
      });
    }
    return { ok: true, reservation: plan.holds.length === 0 ? null : new StoreReservation(id, request.estimateNano, plan.holds, plan.tag) };
  }

  #settle(holds: readonly BudgetHold[], id: string, actualNano: number, now: number): BudgetState[] {
    this.#sweep(now);
    return holds.map((hold) => {
      let ledger = this.#ledgers.get(hold.key);
      if (ledger === undefined) {
        ledger = new BudgetLedger(hold.expireAt);
        // A window already past its keep time is not kept again (Redis would expire it at once).
        if (hold.expireAt > now) this.#ledgers.set(hold.key, ledger);
      }
      ledger.release(id);
      ledger.spent += actualNano;
      return budgetState(hold, ledger.spent, ledger.reserved);
    });
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, log] of this.#rates) {
      if (log.expired(now)) this.#rates.delete(key);
    }
    for (const [key, ledger] of this.#ledgers) {
      if (ledger.expireAt <= now) this.#ledgers.delete(key);
      else ledger.releaseExpired(now);
    }
  }
}
