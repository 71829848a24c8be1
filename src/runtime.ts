// What the request path needs at run time, built once by gateway.ts from a CompiledConfig.
// Stages receive this object instead of importing each other, so wiring stays in one place.
import type { Logger } from 'pino';
import type { CompiledConfig } from './config/compiled.ts';
import type { Resolver } from './destination/resolve.ts';
import type { Upstreams } from './forward/upstream.ts';
import type { LeafCache } from './intercept/leaf-cache.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { DecideContext } from './policy/types.ts';
import type { ConnectionTracker } from './listener/tracker.ts';

export interface Runtime {
  readonly config: CompiledConfig;
  readonly log: Logger;
  readonly resolver: Resolver;
  readonly upstreams: Upstreams;
  readonly leaves: LeafCache | null;
  readonly audit: AuditLog;
  readonly tracker: ConnectionTracker;
  /** Run-time flags (SPEC §4 when.flags); set through the admin API. */
  readonly flags: Map<string, boolean>;
  /** Epoch ms; injectable so schedules are testable. */
  now(): number;
  decideContext(): DecideContext;
}
