// Governance for one replica (no `store.url`): everything in this process. Same semantics as
// the Redis store, which the shared test suite checks against both.
import type { Logger } from 'pino';
import { monotonicFactory } from 'ulid';
import { DEFAULT_RETENTION_MS, decisionOutcome, newApproval, transition, type FinalState, type TransitionResult } from './approval-record.ts';
import { ApprovalWait } from './approval-wait.ts';
import { assertFlagName, assertSuspendTarget } from './names.ts';
import { Switchboard } from './switchboard.ts';
import type { Actor, Approval, ApprovalOutcome, ApprovalRequest, ApprovalState, Governance, Suspension } from './types.ts';

export interface MemoryGovernanceOptions {
  readonly log: Logger;
  /** Epoch ms; injected so expiry is testable. */
  readonly now?: () => number;
  /** How long a decided approval stays listed. Default 24 h. */
  readonly retentionMs?: number;
}

export class MemoryGovernance implements Governance {
  readonly healthy = true;
  readonly #log: Logger;
  readonly #board: Switchboard;
  readonly #now: () => number;
  readonly #retentionMs: number;
  readonly #ulid = monotonicFactory();
  readonly #approvals = new Map<string, Approval>();
  readonly #waits = new Map<string, ApprovalWait>();

  constructor(options: MemoryGovernanceOptions) {
    this.#log = options.log;
    this.#board = new Switchboard(options.log);
    this.#now = options.now ?? Date.now;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  suspension(agentId: string): Suspension | null {
    return this.#board.suspension(agentId);
  }

  async suspend(agent: string, actor: Actor, reason: string | null): Promise<void> {
    assertSuspendTarget(agent);
    this.#board.put({ agent, reason, by: actor.by, at: new Date(this.#now()).toISOString() });
    this.#log.info({ agent, by: actor.by, reason }, 'agent suspended');
  }

  async resume(agent: string, actor: Actor): Promise<void> {
    assertSuspendTarget(agent);
    this.#board.remove(agent);
    this.#log.info({ agent, by: actor.by }, 'agent resumed');
  }

  suspensions(): readonly Suspension[] {
    return this.#board.suspensions();
  }

  flag(name: string): boolean {
    return this.#board.flag(name);
  }

  flags(): Readonly<Record<string, boolean>> {
    return this.#board.flags();
  }

  async setFlag(name: string, value: boolean, actor: Actor): Promise<void> {
    assertFlagName(name);
    this.#board.setFlag(name, value);
    this.#log.info({ flag: name, value, by: actor.by }, 'flag set');
  }

  onSuspend(listener: (agent: string) => void): void {
    this.#board.onSuspend(listener);
  }

  awaitApproval(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    this.#prune();
    const held = newApproval(this.#ulid(), request, this.#now());
    this.#approvals.set(held.id, held);
    const wait = new ApprovalWait(held, signal, async (state) => this.#transition(held.id, state, null)?.approval ?? held);
    this.#waits.set(held.id, wait);
    return wait.promise.finally(() => this.#waits.delete(held.id));
  }

  async decideApproval(id: string, decision: 'approve' | 'deny', actor: Actor): Promise<Approval> {
    const approval = decisionOutcome(id, this.#transition(id, decision === 'approve' ? 'approved' : 'denied', actor));
    this.#log.info({ approval: id, state: approval.state, by: actor.by }, 'approval decided');
    return approval;
  }

  async approvals(state?: ApprovalState): Promise<readonly Approval[]> {
    this.#prune();
    const now = this.#now();
    // A pending approval past its expiry is expired even if its timer has not fired yet.
    for (const approval of [...this.#approvals.values()]) {
      if (approval.state === 'pending' && now >= Date.parse(approval.expiresAt)) this.#transition(approval.id, 'expired', null);
    }
    const all = [...this.#approvals.values()];
    return state === undefined ? all : all.filter((approval) => approval.state === state);
  }

  async close(): Promise<void> {
    for (const wait of this.#waits.values()) wait.seen(this.#transition(wait.held.id, 'withdrawn', null)?.approval ?? wait.held);
  }

  #transition(id: string, to: FinalState, actor: Actor | null): TransitionResult | null {
    const current = this.#approvals.get(id);
    if (current === undefined) return null;
    const result = transition(current, to, actor, this.#now());
    if (result.kind !== 'not_pending') {
      this.#approvals.set(id, result.approval);
      this.#waits.get(id)?.seen(result.approval);
    }
    return result;
  }

  #prune(): void {
    const cutoff = this.#now() - this.#retentionMs;
    for (const [id, approval] of this.#approvals) {
      if (approval.decidedAt !== null && Date.parse(approval.decidedAt) < cutoff) this.#approvals.delete(id);
    }
  }
}
