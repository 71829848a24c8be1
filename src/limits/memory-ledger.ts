// The in-memory counterparts of the Redis structures (see keys.ts): a sliding-window log per
// rate limit and a ledger per budget window. Plain data plus the few operations the memory
// store runs on them; the store keeps them in maps and drops them once expired.

/**
 * Timestamps (epoch ms, ascending) of the requests a rate limit admitted in its last period.
 * Entries that left the window are skipped by moving `#head`, and cut off in one go once they are
 * half the array: removing them one by one moved the whole log on every request (a limit of
 * 100,000/min at full speed keeps ~300,000 entries, ~40 µs per `splice(0, 1)`).
 */
export class RateLog {
  readonly #times: number[] = [];
  #head = 0;
  #periodMs: number;

  constructor(periodMs: number) {
    this.#periodMs = periodMs;
  }

  /** Forgets what left the window `(now - period, now]`; returns how many remain. */
  trim(now: number, periodMs: number): number {
    this.#periodMs = periodMs;
    const horizon = now - periodMs;
    const times = this.#times;
    let head = this.#head;
    while (head < times.length && (times[head] as number) <= horizon) head++;
    if (head > 0 && 2 * head >= times.length) {
      times.splice(0, head);
      head = 0;
    }
    this.#head = head;
    return times.length - head;
  }

  /** Ms until enough entries leave the window for one more request under `limit` (after `trim`). */
  waitMs(now: number, limit: number): number {
    const blocking = this.#times[this.#times.length - limit] as number;
    return blocking + this.#periodMs - now;
  }

  add(now: number): void {
    // Kept sorted even if a caller's clock steps back.
    const times = this.#times;
    let at = times.length;
    while (at > this.#head && (times[at - 1] as number) > now) at--;
    if (at === times.length) times.push(now);
    else times.splice(at, 0, now);
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
