// One rule of the wire config → a CompiledRule (SPEC §4), with every problem located.
//
// `meter: { usd_per_request: X }` together with `reserve_usd: Y` is allowed: Y is what the
// budget reserves before forwarding, X is what is recorded and settled afterwards (SPEC §5).
import { issueAt, type ConfigIssue, type KeyPath, type Locator } from '../config/issues.ts';
import type { MeterSpec, RuleSpec } from '../config/schema.ts';
import { parseDuration, parseRate } from '../config/units.ts';
import { compileGlobs } from './glob.ts';
import type { IndexedRule } from './host-index.ts';
import { parseHostPattern, type HostPattern } from './host-pattern.ts';
import type { CompiledRule, Meter } from './types.ts';
import { compileWhen, type WhenProblem } from './when.ts';

const TUNNEL_ONLY_HOST_LEVEL = ['methods', 'paths', 'meter', 'inject', 'reserve_usd', 'max_request_bytes'] as const;
const DENY_FORWARDS_NOTHING = ['inject', 'meter', 'reserve_usd', 'rate', 'max_request_bytes', 'approval'] as const;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METER_NONE: Meter = Object.freeze({ kind: 'none' });
const anyPath = (): boolean => true;

function compileMeter(spec: MeterSpec | undefined): Meter {
  if (spec === undefined || spec === 'none') return METER_NONE;
  if (typeof spec === 'string') return Object.freeze({ kind: spec });
  return Object.freeze({ kind: 'fixed', usdPerRequest: spec.usd_per_request });
}

function hostEntries(host: string | string[], at: KeyPath, report: (path: KeyPath, message: string) => void): HostPattern[] {
  const entries = typeof host === 'string' ? [{ text: host, at: [...at, 'host'] }]
    : host.map((text, i) => ({ text, at: [...at, 'host', i] }));
  const patterns: HostPattern[] = [];
  for (const entry of entries) {
    try {
      patterns.push(parseHostPattern(entry.text));
    } catch (err) {
      report(entry.at, (err as Error).message);
    }
  }
  return patterns;
}

function injectHeaders(headers: Record<string, string>, at: KeyPath, report: (path: KeyPath, message: string) => void): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const where = [...at, 'inject', 'headers', name];
    if (!HEADER_NAME.test(name)) report(where, `'${name}' is not a valid header name`);
    // The value is a resolved secret: say what is wrong, never echo it.
    else if (/[\r\n\0]/.test(value)) report(where, `the value of header '${name}' contains CR, LF or NUL`);
    else if (out.has(lower)) report(where, `header '${name}' is injected twice (header names are case-insensitive)`);
    else out.set(lower, value);
  }
  return out;
}

/**
 * Compiles `spec` found at key path `at`; `ref` is `POLICY/RULE_ID` or `agent/RULE_ID`.
 * Returns null for a `mode: disabled` rule (checked all the same) or a rule with problems.
 */
export function compileRule(spec: RuleSpec, ref: string, at: KeyPath, locate: Locator, issues: ConfigIssue[]): IndexedRule | null {
  const count = issues.length;
  const report = (path: KeyPath, message: string): void => {
    issues.push(issueAt(locate, path, message));
  };
  const action = spec.action ?? 'allow';
  const tunnel = spec.tunnel === true;

  const patterns = hostEntries(spec.host, at, report);
  if (tunnel) {
    for (const key of TUNNEL_ONLY_HOST_LEVEL) {
      if (spec[key] !== undefined) report([...at, key], `tunnel rules are host-level only: ${key} cannot apply to spliced bytes`);
    }
    if (action === 'approve') report([...at, 'action'], 'tunnel rules are host-level only: action approve needs a request to hold');
  }
  if (action === 'deny') {
    for (const key of DENY_FORWARDS_NOTHING) {
      if (spec[key] !== undefined) report([...at, key], `deny rules forward nothing: ${key} is meaningless on them`);
    }
  } else if (action !== 'approve' && spec.approval !== undefined) {
    report([...at, 'approval'], 'approval is only meaningful with action: approve');
  }

  let matchesPath: (path: string) => boolean = anyPath;
  if (spec.paths !== undefined) {
    const compiled = compileGlobs(spec.paths);
    if (typeof compiled === 'function') matchesPath = compiled;
    else report([...at, 'paths', compiled.index], compiled.message);
  }

  const problems: WhenProblem[] = [];
  const when = spec.when === undefined ? null : compileWhen(spec.when, problems);
  for (const problem of problems) report([...at, 'when', ...problem.at], problem.message);

  const headers = spec.inject === undefined ? new Map<string, string>() : injectHeaders(spec.inject.headers, at, report);
  if (issues.length > count || spec.mode === 'disabled') return null;

  const rule: CompiledRule = Object.freeze({
    ref,
    id: spec.id,
    action,
    mode: spec.mode === 'report' ? 'report' : 'enforce',
    tunnel,
    hosts: Object.freeze(patterns.map((p) => p.text)),
    methods: spec.methods === undefined ? null : new Set(spec.methods.map((m) => m.toUpperCase())),
    paths: spec.paths === undefined ? null : Object.freeze([...spec.paths]),
    matchesPath,
    when,
    meter: compileMeter(spec.meter),
    reserveUsd: spec.reserve_usd ?? null,
    rate: spec.rate === undefined ? null : parseRate(spec.rate),
    maxRequestBytes: spec.max_request_bytes ?? null,
    injectHeaders: headers,
    approvalTimeoutMs: spec.approval === undefined ? null : parseDuration(spec.approval.timeout),
  });
  return { rule, patterns };
}
