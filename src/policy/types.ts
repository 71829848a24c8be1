// Compiled policy: what config/ hands to the request path. Built once per config load;
// the hot path only reads it (SPEC §2 order, §4 matching rules).
import type { DecisionCode } from '../errors.ts';
import type { Rate } from '../config/units.ts';

export type Mode = 'enforce' | 'report';
export type Action = 'allow' | 'deny' | 'approve';

export type Meter =
  | { readonly kind: 'openai' }
  | { readonly kind: 'anthropic' }
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed'; readonly usdPerRequest: number };

/** A rule's `when`, compiled: true when every named flag has its value and the schedule holds. */
export interface CompiledWhen {
  /** Human-readable, for `condition_not_met` messages and traces: e.g. `flags.freeze=true`. */
  readonly text: string;
  /** The first condition that fails at `ctx`, or null when all hold. */
  failing(ctx: DecideContext): string | null;
}

export interface CompiledRule {
  /** `POLICY/RULE_ID`, or `agent/RULE_ID` for an agent's own rules (SPEC §6). */
  readonly ref: string;
  readonly id: string;
  readonly action: Action;
  /** Rules with `mode: disabled` are dropped at compile time and never reach here. */
  readonly mode: Mode;
  readonly tunnel: boolean;
  /** Host patterns as written (after normalisation), for explain and messages. */
  readonly hosts: readonly string[];
  /** Upper-case method names; null = any method. */
  readonly methods: ReadonlySet<string> | null;
  /** Path globs as written; null = any path. */
  readonly paths: readonly string[] | null;
  matchesPath(path: string): boolean;
  readonly when: CompiledWhen | null;
  readonly meter: Meter;
  readonly reserveUsd: number | null;
  readonly rate: Rate | null;
  readonly maxRequestBytes: number | null;
  /** Header name (lower-case) → value with `${secret:…}` already resolved. */
  readonly injectHeaders: ReadonlyMap<string, string>;
  readonly approvalTimeoutMs: number | null;
}

export interface CompiledAgent {
  readonly id: string;
  readonly team: string | null;
  /** `disabled` agents are refused as suspended (`agent_suspended`). */
  readonly mode: Mode | 'disabled';
  readonly rate: Rate | null;
  readonly maxTunnels: number | null;
  /** Credentials that identify this agent (SPEC §3). */
  readonly match: {
    readonly spiffe: string | null;
    readonly cn: string | null;
    /** Lower-case hex, without the `sha256:` prefix. */
    readonly tokenSha256: string | null;
    readonly require: ReadonlySet<'mtls' | 'token'>;
  };
  /**
   * Every rule of this agent (its policies' and its own) that may apply to host:port, in
   * config order. Hash lookups (exact name, then each parent-domain wildcard), never a scan
   * of all rules, so cost does not grow with the number of hosts.
   */
  rulesFor(host: string, port: number): readonly CompiledRule[];
}

/** Where a request goes, normalised (SPEC §4 matching rules). Built by `normalize.ts`. */
export interface RequestTarget {
  readonly scheme: 'http' | 'https';
  /** Lower-case, no trailing dot, IDN in punycode; IPv6 literal without brackets. */
  readonly host: string;
  readonly port: number;
  /** Path without query, dot segments refused (never resolved), `//` kept as written. */
  readonly path: string;
  readonly isIp: boolean;
}

export interface DecideContext {
  /** Epoch milliseconds; injected so schedules are testable (`portcullis test … at:`). */
  readonly now: number;
  /** Run-time flag value (admin API, SPEC §7); unset flags read as false. */
  flag(name: string): boolean;
  /** When present, every check appends a step (explain, test); omitted on the hot path. */
  readonly trace?: TraceStep[];
}

export interface TraceStep {
  readonly check: string;
  readonly result: 'pass' | 'fail' | 'skip' | 'info';
  readonly detail: string;
}

export interface Decision {
  /** `report`: would have been denied, but the agent or the rule is in report mode. */
  readonly decision: 'allow' | 'deny' | 'report';
  /** `ok` when allowed; for `report`, the code it would have had. */
  readonly code: DecisionCode;
  /** The rule that decided (the matching allow/approve or deny rule), if any. */
  readonly rule: CompiledRule | null;
  readonly message: string;
}

/** Host-level decision for a CONNECT (SPEC §1): no tunnel opens for a host without a rule. */
export interface ConnectDecision extends Decision {
  /** `tunnel`: splice bytes; `intercept`: terminate TLS and decide each request. */
  readonly handling: 'tunnel' | 'intercept' | null;
}

export interface CompiledPolicy {
  readonly agents: ReadonlyMap<string, CompiledAgent>;
  readonly bySpiffe: ReadonlyMap<string, CompiledAgent>;
  readonly byCn: ReadonlyMap<string, CompiledAgent>;
  /** Lower-case hex digest → agent. */
  readonly byTokenSha256: ReadonlyMap<string, CompiledAgent>;
}
