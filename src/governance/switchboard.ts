// The replica's copy of suspensions and flags. The request path reads it synchronously; the
// memory store writes it directly, the Redis store replaces it from each refresh. Either way,
// a suspension that is new (or re-issued: its `at` changed) fires the `onSuspend` listeners, so
// every replica closes the agent's tunnels when the suspension reaches it.
import type { Logger } from 'pino';
import { ALL_AGENTS } from './names.ts';
import type { Suspension } from './types.ts';

export class Switchboard {
  #suspensions = new Map<string, Suspension>();
  #flags = new Map<string, boolean>();
  readonly #listeners: ((agent: string) => void)[] = [];
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  suspension(agentId: string): Suspension | null {
    return this.#suspensions.get(agentId) ?? this.#suspensions.get(ALL_AGENTS) ?? null;
  }

  suspensions(): readonly Suspension[] {
    return [...this.#suspensions.values()];
  }

  flag(name: string): boolean {
    return this.#flags.get(name) === true;
  }

  flags(): Readonly<Record<string, boolean>> {
    return Object.fromEntries(this.#flags);
  }

  onSuspend(listener: (agent: string) => void): void {
    this.#listeners.push(listener);
  }

  put(suspension: Suspension): void {
    const before = this.#suspensions.get(suspension.agent);
    this.#suspensions.set(suspension.agent, suspension);
    if (before?.at !== suspension.at) this.#fire(suspension.agent);
  }

  remove(agent: string): void {
    this.#suspensions.delete(agent);
  }

  setFlag(name: string, value: boolean): void {
    this.#flags.set(name, value);
  }

  replace(suspensions: Iterable<Suspension>, flags: Iterable<readonly [string, boolean]>): void {
    const before = this.#suspensions;
    this.#suspensions = new Map([...suspensions].map((s) => [s.agent, s]));
    this.#flags = new Map(flags);
    for (const [agent, s] of this.#suspensions) {
      if (before.get(agent)?.at !== s.at) this.#fire(agent);
    }
  }

  #fire(agent: string): void {
    for (const listener of this.#listeners) {
      // One failing listener must neither stop the others nor fail the refresh that saw it.
      try {
        listener(agent);
      } catch (err) {
        this.#log.error({ err, agent }, 'onSuspend listener failed');
      }
    }
  }
}
