// The in-memory counterparts of the Redis structures (see keys.ts): a sliding-window log per
// rate limit and a ledger per budget window. Plain data plus the few operations the memory
// store runs on them; the store keeps them in maps and drops them once expired.

/** Timestamps (epoch ms, ascending) of the requests a rate limit admitted in its last period. */
export class RateLog {
  readonly #times: number[] = [];
  #periodMs: number;

  constructor(periodMs: number) {
    this.#periodMs = periodMs;
  }

  /** Forgets what left the window `(now - period, now]`; returns how many remain. */
  trim(now: number, periodMs: number): number {
    this.#periodMs = periodMs;
    const horizon = now - periodMs;
    let gone = 0;
    while (gone < this.#times.length && (this.#times[gone] as number) <= horizon) gone++;
    if (gone > 0) this.#times.splice(0, gone);
    return this.#times.length;
  }

  /** Ms until enough entries leave the window for one more request under `limit`. */
  waitMs(now: number, limit: number): number {
    const blocking = this.#times[this.#times.length - limit] as number;
    return blocking + this.#periodMs - now;
  }

  add(now: number): void {
    // Kept sorted even if a caller's clock steps back.
    let at = this.#times.length;
    while (at > 0 && (this.#times[at - 1] as number) > now) at--;
    this.#times.splice(at, 0, now);
  }

  expired(now: number): boolean {
    const last = this.#times[this.#times.length - 1];
    return last === undefined || last <= now - this.#periodMs;
  }
}

interface Held {
  readonly amount: number;
  readonly expiresAt: number;
}

/** Spent and reserved nano-dollars of one budget window, and the reservations behind `reserved`. */
export class BudgetLedger {
  spent = 0;
  reserved = 0;
  readonly #held = new Map<string, Held>();
  /** No reservation expires before this: most acquires skip the scan. */
  #nextExpiry = Infinity;
  expireAt: number;

  constructor(expireAt: number) {
    this.expireAt = expireAt;
  }

  /** Releases reservations whose expiry has passed (their replica never settled them). */
  releaseExpired(now: number): void {
    if (now < this.#nextExpiry) return;
    this.#nextExpiry = Infinity;
    for (const [id, held] of this.#held) {
      if (held.expiresAt <= now) this.release(id);
      else this.#nextExpiry = Math.min(this.#nextExpiry, held.expiresAt);
    }
  }

  reserve(id: string, amount: number, expiresAt: number): void {
    this.#held.set(id, { amount, expiresAt });
    this.reserved += amount;
    this.#nextExpiry = Math.min(this.#nextExpiry, expiresAt);
  }

  release(id: string): void {
    const held = this.#held.get(id);
    if (held === undefined) return;
    this.#held.delete(id);
    this.reserved -= held.amount;
  }
}
