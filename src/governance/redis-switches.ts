// Suspensions and flags in Redis (layout in redis-keys.ts), mirrored into this replica's
// Switchboard. A write goes to the store first, then to the local copy; `refresh` replaces
// the local copy with the store's.
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../limits/redis-client.ts';
import { execAll } from './redis-connection.ts';
import type { GovernanceKeys } from './redis-keys.ts';
import { SWITCHES_CHANGED } from './redis-keys.ts';
import { inStore } from './store-error.ts';
import type { Switchboard } from './switchboard.ts';
import type { Suspension } from './types.ts';

export class RedisSwitches {
  readonly #client: RedisClient;
  readonly #keys: GovernanceKeys;
  readonly #board: Switchboard;
  // Bumped by every local write: a refresh that read the store before the write finished
  // would otherwise briefly undo it here (a suspended agent let through for one poll).
  #writes = 0;

  constructor(client: RedisClient, keys: GovernanceKeys, board: Switchboard) {
    this.#client = client;
    this.#keys = keys;
    this.#board = board;
  }

  async suspend(suspension: Suspension): Promise<void> {
    await this.#write((tx) => tx.hset(this.#keys.suspensions, suspension.agent, JSON.stringify(suspension)));
    this.#board.put(suspension);
  }

  async resume(agent: string): Promise<void> {
    await this.#write((tx) => tx.hdel(this.#keys.suspensions, agent));
    this.#board.remove(agent);
  }

  async setFlag(name: string, value: boolean): Promise<void> {
    await this.#write((tx) => tx.hset(this.#keys.flags, name, value ? '1' : '0'));
    this.#board.setFlag(name, value);
  }

  /** Replaces the local copy by the store's; throws when the store does not answer. */
  async refresh(): Promise<void> {
    const writes = this.#writes;
    const [suspensions, flags] = await Promise.all([
      this.#client.hgetall(this.#keys.suspensions),
      this.#client.hgetall(this.#keys.flags),
    ]);
    if (writes !== this.#writes) return;
    this.#board.replace(
      Object.entries(suspensions).flatMap(([agent, json]) => parseSuspension(agent, json)),
      Object.entries(flags).map(([name, value]) => [name, value === '1'] as const),
    );
  }

  async #write(change: (tx: ChainableCommander) => unknown): Promise<void> {
    this.#writes++;
    await inStore(async () => {
      const tx = this.#client.multi();
      change(tx);
      await execAll(tx.publish(this.#keys.channel, SWITCHES_CHANGED));
    });
  }
}

function parseSuspension(agent: string, json: string): Suspension[] {
  try {
    const value = JSON.parse(json) as Partial<Suspension>;
    return [{
      agent,
      reason: typeof value.reason === 'string' ? value.reason : null,
      by: typeof value.by === 'string' ? value.by : 'unknown',
      at: typeof value.at === 'string' ? value.at : '',
    }];
  } catch {
    // Still a suspension: a garbled record must not let the agent through.
    return [{ agent, reason: null, by: 'unknown', at: '' }];
  }
}
