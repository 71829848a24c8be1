// The shared counter store (SPEC §9): several replicas, one Redis. Every call is ONE round trip,
// a Lua script (lua/*.lua, sent once and then run by EVALSHA; ioredis falls back to EVAL after
// a Redis restart empties the script cache) that sees and writes all the keys of its requests
// atomically. Key layout and hash tags: keys.ts.
//
// Fewer round trips than requests: the acquires made in one event-loop turn go to Redis as one
// script call (each still all-or-nothing on its own), and a settle waits up to SETTLE_LINGER_MS
// to ride with the next acquires, whose script applies it first (so they see the actual cost);
// the settles no acquire took go together in one call when the linger ends. On a Cluster a call
// carries only keys of one hash tag (one slot). A call names each key once, and its script
// reads and writes each key once (lua/cache.lua), so Redis's work grows with the keys of a call
// more than with its requests: that bounds what one Redis serves for all replicas. The
// caller's promises resolve once their acquire or settle has run, with its outcome.
//
// Rates use an exact sliding-window log, not GCRA. The SPEC promises "at most N in any such
// period, a burst of N allowed". GCRA with a burst of N admits a burst of N and then one more
// every period/N, so some windows of one period hold up to 2N - 1 requests; the log admits a
// request only while fewer than N admissions lie in the last period, which bounds EVERY window
// of that length by N. Its cost is one sorted-set entry per admitted request (at most N per key).
//
// Time is the caller's `now` (tests cross calendar boundaries with an injected clock), never
// Redis TIME; replicas should run NTP, since a replica whose clock is behind by d sees windows
// shifted by d. Key TTLs are relative (PEXPIRE), so they only collect garbage.
//
// Any failure — not connected, a timeout, a dropped connection — rejects with
// StoreUnavailableError (the pipeline answers 503 `store_unavailable` or lets traffic through,
// per `store.on_error`); no call waits longer than the deadline.
import { readFileSync } from 'node:fs';
import type { CompiledBudget } from '../config/compiled.ts';
import { budgetHolds, budgetState, idGenerator, planAcquire, retryAfterSec, storeReservation, StoreReservation, type AcquirePlan, type BudgetHold } from './plan.ts';
import { createRedisClient, type RedisClient, type RedisClientOptions } from './redis-client.ts';
import { StoreUnavailableError, type AcquireRequest, type AcquireResult, type BudgetState, type CounterStore, type Reservation } from './types.ts';

export interface RedisStoreOptions extends RedisClientOptions {
  /** Upper bound on any one call, whatever the client does (Cluster redirections, …). Default 1,500 ms. */
  readonly deadlineMs?: number;
}

type ScriptArg = string | number;

/** The commands defineCommand adds (numkeys first: the key count varies per request). */
interface ScriptCommands {
  portcullisAcquire(numKeys: number, ...args: ScriptArg[]): Promise<number[]>;
  portcullisSettle(numKeys: number, ...args: ScriptArg[]): Promise<number[]>;
  portcullisState(numKeys: number, ...args: ScriptArg[]): Promise<number[]>;
}

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
const release = lua('release');
const settle = release + lua('cache') + lua('settle');
const SCRIPTS = {
  portcullisAcquire: settle + lua('acquire'),
  portcullisSettle: settle + lua('settle-batch'),
  portcullisState: release + lua('state'),
};
const DEFAULT_DEADLINE_MS = 1_500;
/** How long a settle waits for an acquire to ride with: also how late its audit record may be. */
const SETTLE_LINGER_MS = 2;
/** Requests per script call, so that a burst stays within the arguments one command may carry. */
const MAX_PER_CALL = 128;

interface PendingAcquire {
  readonly request: AcquireRequest;
  readonly plan: AcquirePlan;
  readonly id: string;
  readonly resolve: (result: AcquireResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Four numbers per acquire from acquire.lua: {0,…} admitted, {1, rate, wait} or {2, budget, spent, reserved}. */
function acquireResult({ request, plan, id }: PendingAcquire, reply: readonly number[], at: number): AcquireResult {
  const outcome = reply[at] as number;
  const index = reply[at + 1] as number;
  if (outcome === 1) {
    const rate = plan.rates[index - 1]?.check;
    if (rate === undefined) throw new Error(`acquire.lua refused unknown rate ${index}`);
    return { ok: false, code: 'rate_limited', rate, retryAfterSec: retryAfterSec(reply[at + 2] as number) };
  }
  if (outcome === 2) {
    const hold = plan.holds[index - 1];
    if (hold === undefined) throw new Error(`acquire.lua refused unknown budget ${index}`);
    return { ok: false, code: 'budget_exceeded', budget: budgetState(hold, reply[at + 2] as number, reply[at + 3] as number) };
  }
  return { ok: true, reservation: plan.holds.length === 0 ? null : new StoreReservation(id, request.estimateNano, plan.holds, plan.tag) };
}

interface PendingSettle {
  readonly reservation: StoreReservation;
  readonly actualNano: number;
  readonly now: number;
  readonly resolve: (states: readonly BudgetState[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The KEYS of one script call, each once: the requests of a call mostly share keys, and the
 * scripts refer to them by 1-based index (cache.lua reads and writes each key once per call).
 */
class CallKeys {
  readonly list: string[] = [];
  readonly #index = new Map<string, number>();

  rate(key: string): number {
    return this.#indexOf(key, null);
  }

  /** A budget window: the index of its hash; its expiry index follows it. */
  window(hold: BudgetHold): number {
    return this.#indexOf(hold.key, hold.expiryKey);
  }

  #indexOf(key: string, next: string | null): number {
    let at = this.#index.get(key);
    if (at === undefined) {
      at = this.list.push(key);
      if (next !== null) this.list.push(next);
      this.#index.set(key, at);
    }
    return at;
  }
}

/** The settles' part of a script call (settle.lua's layout): S first, then one section each. */
function settleArgs(batch: readonly PendingSettle[], keys: CallKeys): ScriptArg[] {
  const args: ScriptArg[] = [batch.length];
  for (const { reservation, actualNano, now } of batch) {
    args.push(reservation.holds.length, reservation.id, String(reservation.estimateNano), String(actualNano));
    for (const hold of reservation.holds) args.push(keys.window(hold), Math.max(1, hold.expireAt - now));
  }
  return args;
}

/** Hands each settle its windows' state from the front of `reply`; returns where the rest starts. */
function resolveSettles(batch: readonly PendingSettle[], reply: readonly number[]): number {
  let at = 0;
  for (const { reservation, resolve } of batch) {
    resolve(states(reservation.holds, reply, at));
    at += 2 * reservation.holds.length;
  }
  return at;
}

/** Spent/reserved pairs from settle.lua or state.lua → states, in hold order. */
function states(holds: readonly BudgetHold[], reply: readonly number[], from = 0): BudgetState[] {
  return holds.map((hold, j) => budgetState(hold, reply[from + 2 * j] as number, reply[from + 2 * j + 1] as number));
}

export class RedisStore implements CounterStore {
  readonly #client: RedisClient;
  readonly #commands: ScriptCommands;
  readonly #deadlineMs: number;
  readonly #nextId = idGenerator();
  /** Pending until the first connection is ready; null after. */
  #firstReady: Promise<void> | null;
  /** The last call failed: the socket may be dead before ioredis has noticed (status still 'ready'). */
  #failing = false;
  /** On a Cluster a script may only touch keys of one slot. */
  readonly #cluster: boolean;
  #settles: PendingSettle[] = [];
  #lingering: NodeJS.Timeout | null = null;
  #acquires: PendingAcquire[] = [];
  #acquireTurn: NodeJS.Immediate | null = null;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.#client = createRedisClient(url, options);
    // Connection errors surface as rejected calls and in `healthy`; without a listener ioredis
    // would also log every reconnect attempt.
    this.#client.on('error', () => {});
    this.#firstReady = new Promise((resolve) => {
      this.#client.once('ready', () => {
        this.#firstReady = null;
        resolve();
      });
    });
    this.#client.on('ready', () => {
      this.#failing = false;
    });
    for (const [name, script] of Object.entries(SCRIPTS)) this.#client.defineCommand(name, { lua: script });
    this.#commands = this.#client as unknown as ScriptCommands;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#cluster = this.#client.isCluster;
  }

  get healthy(): boolean {
    return this.#client.status === 'ready' && !this.#failing;
  }

  acquire(request: AcquireRequest): Promise<AcquireResult> {
    return new Promise((resolve, reject) => {
      // planAcquire throws on a bad amount: a rejected promise, like every other failure here.
      this.#acquires.push({ request, plan: planAcquire(request), id: this.#nextId(), resolve, reject });
      this.#acquireTurn ??= setImmediate(() => this.#flushAcquires());
    });
  }

  async settle(reservation: Reservation, actualNano: number, now: number): Promise<readonly BudgetState[]> {
    const held = storeReservation(reservation, actualNano);
    if (held.holds.length === 0) return [];
    return new Promise((resolve, reject) => {
      this.#settles.push({ reservation: held, actualNano, now, resolve, reject });
      this.#lingering ??= setTimeout(() => this.#flushSettles(), SETTLE_LINGER_MS);
    });
  }

  async budgetStates(agentId: string, team: string | null, budgets: readonly CompiledBudget[], now: number): Promise<readonly BudgetState[]> {
    if (budgets.length === 0) return [];
    const holds = budgetHolds(agentId, team, budgets, now, 0);
    const keys = holds.flatMap((hold) => [hold.key, hold.expiryKey]);
    return states(holds, await this.#call(() => this.#commands.portcullisState(keys.length, ...keys, now)));
  }

  async close(): Promise<void> {
    if (this.#acquireTurn !== null) {
      clearImmediate(this.#acquireTurn);
      this.#flushAcquires();
    }
    await this.#flushSettles();
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  /** Sends the acquires of this turn: calls of at most MAX_PER_CALL, one hash tag each on a Cluster. */
  #flushAcquires(): void {
    this.#acquireTurn = null;
    const batch = this.#acquires;
    this.#acquires = [];
    for (const call of this.#calls(batch, (acquire) => acquire.plan.tag)) void this.#runAcquires(call);
  }

  /** What may go in one script call: ≤ MAX_PER_CALL requests, and on a Cluster one hash tag (one slot). */
  #calls<T>(batch: readonly T[], tagOf: (item: T) => string): T[][] {
    const groups = this.#cluster ? [...Map.groupBy(batch, tagOf).values()] : [batch];
    const calls: T[][] = [];
    for (const group of groups) {
      for (let i = 0; i < group.length; i += MAX_PER_CALL) calls.push(group.slice(i, i + MAX_PER_CALL));
    }
    return calls;
  }

  async #runAcquires(group: readonly PendingAcquire[]): Promise<void> {
    const riding = this.#takeSettles((group[0] as PendingAcquire).plan.tag);
    const keys = new CallKeys();
    const args = settleArgs(riding, keys);
    args.push(group.length);
    for (const { request, plan, id } of group) {
      const { now } = request;
      args.push(now, id, String(request.estimateNano), now + request.reservationTtlMs, plan.rates.length, plan.holds.length);
      for (const { check, key } of plan.rates) args.push(keys.rate(key), check.limit, check.periodMs);
      for (const hold of plan.holds) args.push(keys.window(hold), hold.limitNano, Math.max(1, hold.expireAt - now));
    }
    let reply: number[];
    try {
      reply = await this.#call(() => this.#commands.portcullisAcquire(keys.list.length, ...keys.list, ...args));
    } catch (error) {
      for (const pending of riding) pending.reject(error);
      for (const pending of group) pending.reject(error);
      return;
    }
    let at = resolveSettles(riding, reply);
    for (const pending of group) {
      try {
        pending.resolve(acquireResult(pending, reply, at));
      } catch (error) {
        pending.reject(error);
      }
      at += 4;
    }
  }

  /** Pending settles that may ride with acquires of this hash tag (any tag off a Cluster), at most MAX_PER_CALL. */
  #takeSettles(tag: string): PendingSettle[] {
    if (this.#settles.length === 0) return [];
    if (!this.#cluster) return this.#settles.splice(0, MAX_PER_CALL);
    const riding: PendingSettle[] = [];
    const staying: PendingSettle[] = [];
    for (const settle of this.#settles) (settle.reservation.tag === tag && riding.length < MAX_PER_CALL ? riding : staying).push(settle);
    this.#settles = staying;
    return riding;
  }

  /** Runs the settles no acquire took: calls of at most MAX_PER_CALL, one hash tag each on a Cluster. */
  async #flushSettles(): Promise<void> {
    if (this.#lingering !== null) clearTimeout(this.#lingering);
    this.#lingering = null;
    const batch = this.#settles;
    this.#settles = [];
    await Promise.all(this.#calls(batch, (settle) => settle.reservation.tag).map((call) => this.#runSettles(call)));
  }

  async #runSettles(group: readonly PendingSettle[]): Promise<void> {
    const keys = new CallKeys();
    const args = settleArgs(group, keys);
    try {
      resolveSettles(group, await this.#call(() => this.#commands.portcullisSettle(keys.list.length, ...keys.list, ...args)));
    } catch (error) {
      for (const settle of group) settle.reject(error);
    }
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#deadlineMs} ms`)), this.#deadlineMs);
    });
    try {
      // Without an offline queue a call made before the first connection would fail at once;
      // at start-up (only) it waits for the connection, within the same deadline.
      if (this.#firstReady !== null) await Promise.race([this.#firstReady, deadline]);
      const result = await Promise.race([run(), deadline]);
      this.#failing = false;
      return result;
    } catch (error) {
      this.#failing = true;
      throw new StoreUnavailableError(`counter store unavailable: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
