// Chosen at start-up from `store.url` (SPEC §4): no URL → this process only (one replica);
// a URL → Redis, shared by every replica. ioredis is loaded only when a URL asks for it.
import type { Logger } from 'pino';
import { MemoryGovernance } from './memory-governance.ts';
import type { Governance } from './types.ts';

export interface GovernanceOptions {
  readonly log: Logger;
  /** Epoch ms, for suspension and approval times and approval expiry. */
  readonly now?: () => number;
  /** How long a decided approval stays listed. Default 24 h. */
  readonly retentionMs?: number;
  /** Redis only: local copy refresh period. Default 250 ms. */
  readonly pollMs?: number;
  /** Redis only: key prefix. Default `portcullis`. */
  readonly prefix?: string;
}

export async function createGovernance(url: string | null, options: GovernanceOptions): Promise<Governance> {
  if (url === null) return new MemoryGovernance(options);
  const { RedisGovernance } = await import('./redis-governance.ts');
  return RedisGovernance.connect(url, options);
}
