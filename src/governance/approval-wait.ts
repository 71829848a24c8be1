// One held request waiting for its approval (SPEC §4 `action: approve`). It ends exactly once:
// when a final state is seen (a human decided), when its timer fires (→ expired) or when the
// agent goes away (→ withdrawn). The store's `settle` makes those last two moves atomically, so
// if a human decided first, the human's decision is what the waiter ends with. Never approves
// on its own.
import { GatewayError } from '../errors.ts';
import { bindingMismatch } from './approval-request.ts';
import type { Approval, ApprovalOutcome } from './types.ts';

/** Moves the record out of `pending` (unless already final) and answers it as it ends up. */
export type Settle = (state: 'expired' | 'withdrawn') => Promise<Approval>;

// setTimeout fires at once for anything longer (~24.8 days); no approval waits that long.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ApprovalWait {
  readonly held: Approval;
  readonly promise: Promise<ApprovalOutcome>;
  readonly #resolve: (outcome: ApprovalOutcome) => void;
  readonly #reject: (err: unknown) => void;
  readonly #settle: Settle;
  readonly #signal: AbortSignal;
  readonly #timer: NodeJS.Timeout;
  readonly #onAbort = (): void => this.#end('withdrawn');
  #done = false;

  constructor(held: Approval, signal: AbortSignal, settle: Settle) {
    this.held = held;
    const { promise, resolve, reject } = Promise.withResolvers<ApprovalOutcome>();
    this.promise = promise;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#settle = settle;
    this.#signal = signal;
    this.#timer = setTimeout(() => this.#end('expired'), Math.min(held.timeoutMs, MAX_TIMER_MS)).unref();
    if (signal.aborted) queueMicrotask(this.#onAbort);
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** A copy of the record from the store; ends the wait when it is final. */
  seen(approval: Approval): void {
    if (this.#done || approval.state === 'pending') return;
    this.#done = true;
    this.#cleanUp();
    const mismatch = approval.state === 'approved' ? bindingMismatch(this.held, approval) : null;
    if (mismatch !== null) {
      this.#reject(new GatewayError('approval_denied',
        `approval '${approval.id}' does not match the held request (${mismatch} differs)`));
      return;
    }
    this.#resolve({ state: approval.state, approval });
  }

  /** The store failed: the request cannot be approved, and is refused as `store_unavailable`. */
  fail(cause: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanUp();
    this.#reject(cause instanceof GatewayError ? cause
      : new GatewayError('store_unavailable', 'approval store unreachable', { cause }));
  }

  #end(state: 'expired' | 'withdrawn'): void {
    if (this.#done) return;
    this.#settle(state).then((approval) => {
      if (approval.state === 'pending') this.fail(new Error(`approval '${approval.id}' is still pending after ${state}`));
      else this.seen(approval);
    }, (err: unknown) => this.fail(err));
  }

  #cleanUp(): void {
    clearTimeout(this.#timer);
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}
