// Open tunnels and intercepted connections, by agent: for the per-agent cap, the
// active-tunnels figure, graceful shutdown, and (issue 6) closing a suspended agent's tunnels.
import type { Socket } from 'node:net';

export class ConnectionTracker {
  readonly #byAgent = new Map<string, Set<Socket>>();
  #size = 0;

  add(socket: Socket, agentId: string): void {
    let set = this.#byAgent.get(agentId);
    if (set === undefined) {
      set = new Set();
      this.#byAgent.set(agentId, set);
    }
    if (set.has(socket)) return;
    set.add(socket);
    this.#size++;
    socket.once('close', () => {
      if (set.delete(socket)) this.#size--;
      if (set.size === 0 && this.#byAgent.get(agentId) === set) this.#byAgent.delete(agentId);
    });
  }

  count(agentId: string): number {
    return this.#byAgent.get(agentId)?.size ?? 0;
  }

  get size(): number {
    return this.#size;
  }

  destroyAgent(agentId: string): void {
    for (const socket of this.#byAgent.get(agentId) ?? []) socket.destroy();
  }

  destroyAll(): void {
    for (const set of this.#byAgent.values()) for (const socket of set) socket.destroy();
  }
}
