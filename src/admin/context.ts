// What the admin server needs from the running gateway, and nothing more. The gateway wiring
// implements it; tests implement it from a loaded config and in-memory parts.
import type { CompiledConfig } from '../config/compiled.ts';
import type { ConfigIssue } from '../config/issues.ts';
import type { Governance } from '../governance/types.ts';
import type { BudgetState } from '../limits/types.ts';
import type { AuditSource } from './audit-source.ts';
import type { Metrics } from './metrics.ts';

export type ReloadOutcome =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Inputs of `GET /readyz`; each false names a failed check. */
export interface HealthState {
  /** A valid config is in force. */
  readonly configLoaded: boolean;
  /** The proxy listener accepts connections. */
  readonly listening: boolean;
  /** The counter store answers (CounterStore.healthy). */
  readonly storeHealthy: boolean;
  /** At least one audit sink accepts records; only fails readiness when `audit.required`. */
  readonly auditAvailable: boolean;
}

export interface AdminContext {
  /** The config in force now; a reload replaces it, so read it per request. */
  config(): CompiledConfig;
  /**
   * Load, validate and swap the config, keeping the old one when the new one is invalid.
   * Shared with SIGHUP and the file watcher, so it (not the admin server) counts
   * `portcullis_config_reloads_total` and updates `policy_info`.
   */
  reload(): Promise<ReloadOutcome>;
  /** Suspensions, flags and approvals (the store-backed state every replica obeys). */
  readonly governance: Governance;
  /**
   * The current state of every budget that applies to this agent, from the counter store.
   * Throws StoreUnavailableError when the store does not answer.
   */
  budgets(agentId: string): Promise<readonly BudgetState[]>;
  health(): HealthState;
  /** Tunnels (spliced or intercepted) this agent has open on this replica now. */
  openTunnels(agentId: string): number;
  readonly metrics: Metrics;
  /** Where `GET /v1/audit` reads (see `auditSourceFor` in choose-audit-source.ts); null when no file or redis-stream sink is configured. */
  auditSource(): AuditSource | null;
  /** Epoch ms: the default time of `POST /v1/explain`. */
  now(): number;
}
