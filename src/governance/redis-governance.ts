// Governance shared by every replica through Redis (SPEC §7, §9).
//
// Suspensions and flags are read on the request path from a local copy, refreshed from the
// store every `pollMs` (default 250 ms) and at once on a pub/sub hint, so a replica obeys a
// suspension made anywhere within a second even if a message is lost.
//
// When Redis does not answer, the copy stays as it was last read: fail-static, logged once on
// the way down and once on the way back. Not fail-open: forgetting suspensions would release
// an agent that was killed, possibly in the middle of the incident that made Redis fall over.
// Not fail-closed: treating everyone as suspended would turn a Redis blip into an outage of all
// agents even where `store.on_error: allow` asks for availability. While Redis is down no one
// can change a switch anyway (the admin call fails with 503), so the last known copy is also
// the last one an operator set. Approvals need the store for every step and fail with 503
// `store_unavailable`: a request is never approved without it.
import type { RedisClient } from '../limits/redis-client.ts';
import type { Logger } from 'pino';
import { DEFAULT_RETENTION_MS } from './approval-record.ts';
import { assertFlagName, assertSuspendTarget } from './names.ts';
import { RedisApprovals } from './redis-approvals.ts';
import { COMMAND_TIMEOUT_MS, commandClient, subscriberClient } from './redis-connection.ts';
import { APPROVAL_MESSAGE_PREFIX, governanceKeys, SWITCHES_CHANGED, type GovernanceKeys } from './redis-keys.ts';
import { RedisSwitches } from './redis-switches.ts';
import { Switchboard } from './switchboard.ts';
import type { Actor, Approval, ApprovalOutcome, ApprovalRequest, ApprovalState, Governance, Suspension } from './types.ts';

export interface RedisGovernanceOptions {
  readonly log: Logger;
  /** Epoch ms, for approval times and expiry. */
  readonly now?: () => number;
  /** How long a decided approval stays listed (and in Redis). Default 24 h. */
  readonly retentionMs?: number;
  /** Local copy refresh period. Default 250 ms; keep it well under a second. */
  readonly pollMs?: number;
  /** Key prefix (redis-keys.ts). Default `portcullis`. */
  readonly prefix?: string;
}

export const DEFAULT_POLL_MS = 250;

export class RedisGovernance implements Governance {
  readonly #log: Logger;
  readonly #client: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #keys: GovernanceKeys;
  readonly #board: Switchboard;
  readonly #switches: RedisSwitches;
  readonly #approvals: RedisApprovals;
  readonly #now: () => number;
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | null = null;
  #healthy = false;
  #reported = false;
  #ticking = false;
  #again = false;
  #closed = false;

  /** Connects, reads the switches once, and starts the refresh; resolves even if Redis is down (fail-static, logged). */
  static async connect(url: string, options: RedisGovernanceOptions): Promise<RedisGovernance> {
    const governance = new RedisGovernance(url, options);
    await governance.#start();
    return governance;
  }

  private constructor(url: string, options: RedisGovernanceOptions) {
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#keys = governanceKeys(options.prefix);
    this.#client = commandClient(url);
    this.#subscriber = subscriberClient(url);
    // Connection errors surface as failed commands (and the health log line); without a
    // listener ioredis would print each reconnect attempt to the console.
    for (const client of [this.#client, this.#subscriber]) {
      client.on('error', (err: Error) => this.#log.debug({ err }, 'governance redis connection error'));
    }
    this.#board = new Switchboard(options.log);
    this.#switches = new RedisSwitches(this.#client, this.#keys, this.#board);
    this.#approvals = new RedisApprovals(this.#client, this.#keys, {
      now: this.#now,
      retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    });
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  suspension(agentId: string): Suspension | null {
    return this.#board.suspension(agentId);
  }

  async suspend(agent: string, actor: Actor, reason: string | null): Promise<void> {
    assertSuspendTarget(agent);
    await this.#switches.suspend({ agent, reason, by: actor.by, at: new Date(this.#now()).toISOString() });
    this.#log.info({ agent, by: actor.by, reason }, 'agent suspended');
  }

  async resume(agent: string, actor: Actor): Promise<void> {
    assertSuspendTarget(agent);
    await this.#switches.resume(agent);
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
    await this.#switches.setFlag(name, value);
    this.#log.info({ flag: name, value, by: actor.by }, 'flag set');
  }

  onSuspend(listener: (agent: string) => void): void {
    this.#board.onSuspend(listener);
  }

  awaitApproval(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    return this.#approvals.await(request, signal);
  }

  async decideApproval(id: string, decision: 'approve' | 'deny', actor: Actor): Promise<Approval> {
    const approval = await this.#approvals.decide(id, decision, actor);
    this.#log.info({ approval: id, state: approval.state, by: actor.by }, 'approval decided');
    return approval;
  }

  approvals(state?: ApprovalState): Promise<readonly Approval[]> {
    return this.#approvals.list(state);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#approvals.withdrawAll();
    await Promise.all([this.#client, this.#subscriber].map((client) => client.quit().catch(() => client.disconnect())));
  }

  async #start(): Promise<void> {
    this.#subscriber.on('message', (_channel: string, message: string) => this.#onMessage(message));
    const subscribed = this.#subscriber.subscribe(this.#keys.channel);
    await Promise.allSettled([
      this.#client.connect(),
      // A hint channel: start without it rather than wait on a Redis that is down.
      Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, COMMAND_TIMEOUT_MS).unref())]),
    ]);
    subscribed.catch((err: unknown) => this.#log.warn({ err }, 'governance pub/sub subscription failed; relying on the poll'));
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#pollMs).unref();
  }

  #onMessage(message: string): void {
    if (message === SWITCHES_CHANGED) {
      void this.#tick();
    } else if (message.startsWith(APPROVAL_MESSAGE_PREFIX)) {
      // A failed read is retried by the next poll.
      this.#approvals.notified(message.slice(APPROVAL_MESSAGE_PREFIX.length)).catch(() => {});
    }
  }

  // One refresh at a time; a hint that arrives during one asks for another right after, so the
  // change it announces is never read by a refresh that started before it.
  async #tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    try {
      do {
        this.#again = false;
        await this.#refresh();
      } while (this.#again && !this.#closed);
    } finally {
      this.#ticking = false;
    }
  }

  async #refresh(): Promise<void> {
    try {
      await this.#switches.refresh();
      await this.#approvals.poll();
      this.#health(true);
    } catch (err) {
      this.#health(false, err);
    }
  }

  #health(ok: boolean, err?: unknown): void {
    const changed = ok !== this.#healthy || !this.#reported;
    this.#healthy = ok;
    this.#reported = true;
    if (!changed) return;
    if (ok) this.#log.info('governance store reachable: suspensions and flags are current');
    else this.#log.error({ err }, 'governance store unreachable: serving the last known suspensions and flags (fail-static)');
  }
}
