// The shared counter store (SPEC §9): several replicas, one Redis. Every call is ONE round trip,
// a Lua script (lua/*.lua, sent once and then run by EVALSHA; ioredis falls back to EVAL after
// a Redis restart empties the script cache) that sees and writes all the keys of one request
// atomically. Key layout and hash tags: keys.ts.
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
import { budgetHolds, budgetState, holdsOf, idGenerator, planAcquire, retryAfterSec, StoreReservation, type BudgetHold } from './plan.ts';
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
const SCRIPTS = { portcullisAcquire: release + lua('acquire'), portcullisSettle: lua('settle'), portcullisState: release + lua('state') };
const DEFAULT_DEADLINE_MS = 1_500;

function windowKeys(holds: readonly BudgetHold[]): string[] {
  return holds.flatMap((hold) => [hold.key, hold.expiryKey]);
}

/** Spent/reserved pairs from settle.lua or state.lua → states, in hold order. */
function states(holds: readonly BudgetHold[], reply: readonly number[]): BudgetState[] {
  return holds.map((hold, j) => budgetState(hold, reply[2 * j] as number, reply[2 * j + 1] as number));
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
  }

  get healthy(): boolean {
    return this.#client.status === 'ready' && !this.#failing;
  }

  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    const { now } = request;
    const plan = planAcquire(request);
    const id = this.#nextId();
    const keys = [...plan.rates.map((rate) => rate.key), ...windowKeys(plan.holds)];
    const args: ScriptArg[] = [now, id, String(request.estimateNano), now + request.reservationTtlMs, plan.rates.length];
    for (const { check } of plan.rates) args.push(check.limit, check.periodMs);
    for (const hold of plan.holds) args.push(hold.limitNano, Math.max(1, hold.expireAt - now));

    const reply = await this.#call(() => this.#commands.portcullisAcquire(keys.length, ...keys, ...args));
    const [outcome, index, a, b] = reply as [number, number, number, number];
    if (outcome === 1) {
      const rate = plan.rates[index - 1]?.check;
      if (rate === undefined) throw new Error(`acquire.lua refused unknown rate ${index}`);
      return { ok: false, code: 'rate_limited', rate, retryAfterSec: retryAfterSec(a) };
    }
    if (outcome === 2) {
      const hold = plan.holds[index - 1];
      if (hold === undefined) throw new Error(`acquire.lua refused unknown budget ${index}`);
      return { ok: false, code: 'budget_exceeded', budget: budgetState(hold, a, b) };
    }
    return { ok: true, reservation: plan.holds.length === 0 ? null : new StoreReservation(id, request.estimateNano, plan.holds) };
  }

  async settle(reservation: Reservation, actualNano: number, now: number): Promise<readonly BudgetState[]> {
    const holds = holdsOf(reservation, actualNano);
    if (holds.length === 0) return [];
    const keys = windowKeys(holds);
    const args: ScriptArg[] = [reservation.id, String(actualNano), ...holds.map((hold) => Math.max(1, hold.expireAt - now))];
    return states(holds, await this.#call(() => this.#commands.portcullisSettle(keys.length, ...keys, ...args)));
  }

  async budgetStates(agentId: string, team: string | null, budgets: readonly CompiledBudget[], now: number): Promise<readonly BudgetState[]> {
    if (budgets.length === 0) return [];
    const holds = budgetHolds(agentId, team, budgets, now, 0);
    const keys = windowKeys(holds);
    return states(holds, await this.#call(() => this.#commands.portcullisState(keys.length, ...keys, now)));
  }

  async close(): Promise<void> {
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
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
