// What the request path needs at run time, built by gateway.ts from a CompiledConfig. A reload
// builds a new Runtime and swaps it in; a request keeps the one it started with. Stages
// receive this object instead of importing each other, so wiring stays in one place.
import type { Logger } from 'pino';
import type { Metrics } from './admin/metrics.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { CompiledConfig } from './config/compiled.ts';
import type { DestinationGuard } from './destination/classify.ts';
import type { Resolver } from './destination/resolve.ts';
import type { Upstreams } from './forward/upstream.ts';
import type { Governance } from './governance/types.ts';
import type { LeafCache } from './intercept/leaf-cache.ts';
import type { CounterStore } from './limits/types.ts';
import type { ConnectionTracker } from './listener/tracker.ts';
import type { PriceTable } from './metering/prices.ts';
import type { DecideContext } from './policy/types.ts';

export interface Runtime {
  readonly config: CompiledConfig;
  readonly log: Logger;
  readonly guard: DestinationGuard;
  readonly resolver: Resolver;
  readonly upstreams: Upstreams;
  readonly leaves: LeafCache | null;
  readonly prices: PriceTable;
  // Process-wide: the same objects across reloads.
  readonly audit: AuditLog;
  readonly tracker: ConnectionTracker;
  readonly store: CounterStore;
  readonly governance: Governance;
  readonly metrics: Metrics;
  /** Epoch ms; injectable so schedules and budget windows are testable. */
  now(): number;
  decideContext(): DecideContext;
}
