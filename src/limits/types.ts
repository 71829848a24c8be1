// The limits stage (SPEC §4 `rate`, `budgets`; §5): what the pipeline asks the counter store,
// and what it answers. One `acquire` checks every rate limit and reserves against every budget
// that applies, committing all of them or none, in at most one store round trip (the Redis store
// shares one among the acquires of an event-loop turn and the settles waiting to ride).
import type { CompiledBudget } from '../config/compiled.ts';

/** Money in the store is integer nano-dollars: no float drift across millions of increments. */
export const NANO_PER_USD = 1_000_000_000;

export interface RateCheck {
  /** `agent` for the agent-wide rate, else the rule ref (`llm/openai`): part of the key. */
  readonly id: string;
  readonly limit: number;
  readonly periodMs: number;
  /** As written (`120/min`), for messages. */
  readonly text: string;
}

export interface AcquireRequest {
  readonly agentId: string;
  /** Keys are hash-tagged by team when the agent has one (team budgets share a slot), else by agent. */
  readonly team: string | null;
  readonly rates: readonly RateCheck[];
  readonly budgets: readonly CompiledBudget[];
  /** Reserved against every budget; 0 reserves nothing (but budgets already at their limit still refuse). */
  readonly estimateNano: number;
  /** Epoch ms (injected clock). */
  readonly now: number;
  /** A reservation not settled by then is released (a crashed replica cannot hold budget forever). */
  readonly reservationTtlMs: number;
}

export interface BudgetState {
  readonly id: string;
  /** The agent id, `team:NAME` or `*`. */
  readonly owner: string;
  readonly spentUsd: number;
  readonly reservedUsd: number;
  readonly limitUsd: number;
  /** ISO time of the next calendar window start in the budget's time zone. */
  readonly resetsAt: string;
}

/** Opaque to the pipeline: what `settle` needs to replace the reservation by the actual cost. */
export interface Reservation {
  readonly id: string;
  readonly estimateNano: number;
}

export type AcquireResult =
  | { readonly ok: true; readonly reservation: Reservation | null }
  | { readonly ok: false; readonly code: 'rate_limited'; readonly rate: RateCheck; readonly retryAfterSec: number }
  | { readonly ok: false; readonly code: 'budget_exceeded'; readonly budget: BudgetState };

export interface CounterStore {
  acquire(request: AcquireRequest): Promise<AcquireResult>;
  /** Replaces the reservation by `actualNano` in every budget it was made against; returns their state after. */
  settle(reservation: Reservation, actualNano: number, now: number): Promise<readonly BudgetState[]>;
  /** Current state of these budgets for an agent (admin API, audit). */
  budgetStates(agentId: string, team: string | null, budgets: readonly CompiledBudget[], now: number): Promise<readonly BudgetState[]>;
  /** True while the store answers (readiness). */
  readonly healthy: boolean;
  close(): Promise<void>;
}

/** The store did not answer in time or at all (SPEC §2 `store_unavailable` with `on_error: deny`). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
