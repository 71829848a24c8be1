// Approvals in Redis (layout in redis-keys.ts): created by the replica that holds the request,
// decided through any replica's admin API. The holder learns of a decision from pub/sub, or
// from its poll if a message was lost; the Lua transition decides every race.
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../limits/redis-client.ts';
import { monotonicFactory } from 'ulid';
import { fromHash, toHash } from './approval-hash.ts';
import { decisionOutcome, newApproval, type FinalState, type TransitionResult } from './approval-record.ts';
import { ApprovalWait } from './approval-wait.ts';
import { execAll } from './redis-connection.ts';
import type { GovernanceKeys } from './redis-keys.ts';
import { inStore, storeUnavailable } from './store-error.ts';
import type { Actor, Approval, ApprovalOutcome, ApprovalRequest, ApprovalState } from './types.ts';

const TRANSITION_LUA = readFileSync(new URL('./lua/transition.lua', import.meta.url), 'utf8');

type TransitionReply = [0] | [1 | 2 | 3, string[]];
interface TransitionCommand {
  portcullisApprovalTransition(...keysAndArgs: (string | number)[]): Promise<TransitionReply>;
}

const KIND = { 1: 'changed', 2: 'not_pending', 3: 'expired' } as const;

export interface RedisApprovalsOptions {
  readonly now: () => number;
  readonly retentionMs: number;
}

export class RedisApprovals {
  readonly #client: RedisClient & TransitionCommand;
  readonly #keys: GovernanceKeys;
  readonly #options: RedisApprovalsOptions;
  readonly #ulid = monotonicFactory();
  readonly #waits = new Map<string, ApprovalWait>();

  constructor(client: RedisClient, keys: GovernanceKeys, options: RedisApprovalsOptions) {
    client.defineCommand('portcullisApprovalTransition', { numberOfKeys: 3, lua: TRANSITION_LUA });
    this.#client = client as RedisClient & TransitionCommand;
    this.#keys = keys;
    this.#options = options;
  }

  async await(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    const held = newApproval(this.#ulid(), request, this.#options.now());
    const key = this.#keys.approval(held.id);
    await inStore(() => execAll(this.#client.multi()
      .hset(key, toHash(held))
      .pexpire(key, held.timeoutMs + this.#options.retentionMs)
      .zadd(this.#keys.pending, Date.parse(held.expiresAt), held.id)));
    const wait = new ApprovalWait(held, signal, async (state) => {
      const result = await this.#transition(held.id, state, null);
      if (result === null) throw storeUnavailable(new Error(`approval '${held.id}' is gone from the store`));
      return result.approval;
    });
    this.#waits.set(held.id, wait);
    return wait.promise.finally(() => this.#waits.delete(held.id));
  }

  async decide(id: string, decision: 'approve' | 'deny', actor: Actor): Promise<Approval> {
    return decisionOutcome(id, await this.#transition(id, decision === 'approve' ? 'approved' : 'denied', actor));
  }

  async list(state?: ApprovalState): Promise<readonly Approval[]> {
    const now = this.#options.now();
    const [pending, decided] = await inStore(() => Promise.all([
      this.#client.zrange(this.#keys.pending, '0', '-1', 'WITHSCORES'),
      state === 'pending' ? Promise.resolve<string[]>([]) : this.#client.zrangebyscore(this.#keys.decided, now - this.#options.retentionMs, '+inf'),
    ]));
    const ids: string[] = [...decided];
    for (let i = 0; i + 1 < pending.length; i += 2) {
      const id = pending[i] as string;
      // Past its expiry but still pending: its holder died, or its timer is about to fire.
      if (Number(pending[i + 1]) <= now) await this.#transition(id, 'expired', null);
      ids.push(id);
    }
    const records = await inStore(() => this.#fetch(ids));
    return records
      .filter((approval) => state === undefined || approval.state === state)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** A decision message for an approval: if it is held here, read it and end the wait. */
  async notified(id: string): Promise<void> {
    const wait = this.#waits.get(id);
    if (wait === undefined) return;
    const [approval] = await this.#fetch([id]);
    if (approval !== undefined) wait.seen(approval);
  }

  /** The poll's share: re-reads every approval held here, in case a message was missed. */
  async poll(): Promise<void> {
    if (this.#waits.size === 0) return;
    for (const approval of await this.#fetch([...this.#waits.keys()])) this.#waits.get(approval.id)?.seen(approval);
  }

  /** Shutting down: every approval still held here is withdrawn. */
  async withdrawAll(): Promise<void> {
    await Promise.allSettled([...this.#waits.values()].map(async (wait) => {
      try {
        const result = await this.#transition(wait.held.id, 'withdrawn', null);
        wait.seen(result?.approval ?? { ...wait.held, state: 'withdrawn' });
      } catch (err) {
        wait.fail(err);
      }
    }));
  }

  async #fetch(ids: readonly string[]): Promise<Approval[]> {
    if (ids.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hgetall(this.#keys.approval(id));
    const replies = (await pipeline.exec()) ?? [];
    const out: Approval[] = [];
    replies.forEach(([err, hash], i) => {
      if (err !== null) throw err;
      const approval = fromHash(ids[i] as string, hash as Record<string, string>);
      if (approval !== null) out.push(approval);
    });
    return out;
  }

  async #transition(id: string, to: FinalState, actor: Actor | null): Promise<TransitionResult | null> {
    const reply = await inStore(() => this.#client.portcullisApprovalTransition(
      this.#keys.approval(id), this.#keys.pending, this.#keys.decided,
      id, to, actor?.by ?? '', actor?.comment ?? '', this.#options.now(), this.#options.retentionMs, this.#keys.channel,
    ));
    if (reply[0] === 0) return null;
    const approval = fromHash(id, reply[1]);
    if (approval === null) throw storeUnavailable(new Error(`approval '${id}' has no state in the store`));
    return { kind: KIND[reply[0]], approval };
  }
}
