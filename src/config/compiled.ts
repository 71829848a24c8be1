// The validated, compiled configuration every stage is built from (see gateway wiring).
// Paths are absolute (resolved against the file that named them), durations are
// milliseconds, secrets are resolved. Frozen: nothing mutates it after load.
import type { CompiledPolicy } from '../policy/types.ts';
import type { PriceSpec, SinkSpec } from './schema.ts';
import type { Cidr } from '../destination/cidr.ts';

export interface CompiledBudget {
  readonly id: string;
  /** Where it came from: the agent id, `team:NAME` or `*`. */
  readonly owner: string;
  readonly limitUsd: number;
  readonly per: 'hour' | 'day' | 'week' | 'month';
  /** IANA time zone, validated; UTC when omitted. */
  readonly tz: string;
}

export interface CompiledConfig {
  /** Absolute path of the main file, and every file read (main first, then includes). */
  readonly file: string;
  readonly files: readonly string[];
  /** `sha256:` of the canonical resolved config, secret values excluded (SPEC §4). */
  readonly version: string;
  readonly policy: CompiledPolicy;
  readonly listen: {
    readonly proxy: {
      readonly host: string;
      readonly port: number;
      readonly tls: { readonly cert: string; readonly key: string; readonly clientCa: string; readonly crl: string | null } | null;
    };
    readonly admin: { readonly host: string; readonly port: number; readonly token: string | null } | null;
  };
  readonly interception: { readonly caCert: string; readonly caKey: string; readonly upstreamCa: readonly string[] } | null;
  readonly store: { readonly url: string | null; readonly onError: 'deny' | 'allow' };
  readonly network: {
    /** Explicit CIDRs; `useDefaultDeny` adds the built-in list (SPEC §4 `deny_cidrs: default`). */
    readonly useDefaultDeny: boolean;
    readonly denyCidrs: readonly Cidr[];
    readonly allowCidrs: readonly Cidr[];
    /** Normalised host name → addresses. */
    readonly resolve: ReadonlyMap<string, readonly string[]>;
  };
  readonly limits: {
    readonly maxRequestBytes: number;
    readonly maxHeaderBytes: number;
    readonly upstreamTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly maxTunnelsPerAgent: number | null;
  };
  readonly audit: { readonly required: boolean; readonly sinks: readonly SinkSpec[] };
  readonly prices: { readonly default: PriceSpec | null; readonly models: ReadonlyMap<string, PriceSpec> };
  /** Agent id → the budgets that apply to it: its own, its team's, else `*`. */
  readonly budgets: ReadonlyMap<string, readonly CompiledBudget[]>;
  /** The effective config as loaded, secret values replaced by `[redacted]` (GET /v1/policy, explain). */
  readonly redacted: unknown;
}
