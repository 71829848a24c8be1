// The policy decision for one request (SPEC §2 order, §4 matching rules). What it checks,
// in order:
//   1. an agent with `mode: disabled` is refused as `agent_suspended`;
//   2. the rules for host:port (host-index.ts), in config order; tunnel rules are skipped
//      (they are decided at CONNECT); a rule applies when its methods and paths match;
//   3. an applying `deny` rule whose `when` holds (or has none) wins over any allow,
//      wherever it is listed → `denied_by_rule`; a deny rule whose `when` is false does not apply;
//   4. else the first applying allow/approve rule whose `when` holds → allow;
//   5. else, if allow rules applied but every `when` was false → `condition_not_met`;
//   6. else `no_matching_rule` (default deny).
// Report mode: when the agent or the deciding rule is in report mode, a would-be deny is
// `decision: 'report'` with the code it would have had. A report-mode deny rule never blocks;
// it turns an allow into `report` + `denied_by_rule`.
//
// The hot path allocates nothing for an allow: one frozen decision per rule, built on first
// use. Messages are built only for denies, trace strings only when `ctx.trace` is present.
import type { DenyCode } from '../errors.ts';
import type {
  CompiledAgent, CompiledRule, ConnectDecision, DecideContext, Decision, RequestTarget, TraceStep,
} from './types.ts';

const DEFAULT_PORT = { http: 80, https: 443 } as const;

const allowed = new WeakMap<CompiledRule, Decision>();
const connectAllowed = new WeakMap<CompiledRule, ConnectDecision>();

function allowOf(rule: CompiledRule): Decision {
  let decision = allowed.get(rule);
  if (decision === undefined) {
    decision = Object.freeze({ decision: 'allow', code: 'ok', rule, message: `allowed by rule ${rule.ref}` });
    allowed.set(rule, decision);
  }
  return decision;
}

function connectAllowOf(rule: CompiledRule): ConnectDecision {
  let decision = connectAllowed.get(rule);
  if (decision === undefined) {
    const handling = rule.tunnel ? 'tunnel' : 'intercept';
    decision = Object.freeze({ decision: 'allow', code: 'ok', rule, message: `${handling} allowed by rule ${rule.ref}`, handling });
    connectAllowed.set(rule, decision);
  }
  return decision;
}

function step(trace: TraceStep[], check: string, result: TraceStep['result'], detail: string): void {
  trace.push({ check, result, detail });
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function urlOf(target: RequestTarget): string {
  const port = target.port === DEFAULT_PORT[target.scheme] ? '' : `:${target.port}`;
  return `${target.scheme}://${hostText(target.host)}${port}${target.path}`;
}

function suspended(agent: CompiledAgent): Decision {
  return { decision: 'deny', code: 'agent_suspended', rule: null, message: `agent '${agent.id}' is suspended (mode: disabled)` };
}

/**
 * A would-be deny of `attempt` (`POST https://…`, `CONNECT host:port`): `report` when the agent
 * or the deciding rule is in report mode.
 */
function refusal(agent: CompiledAgent, attempt: string, code: DenyCode, rule: CompiledRule | null, unmet: string | null): Decision {
  let message = `agent '${agent.id}' may not ${attempt}`;
  if (rule !== null && code === 'denied_by_rule') message += `: denied by rule ${rule.ref}`;
  else if (rule !== null) message += ` now: ${unmet} (rule ${rule.ref})`;
  const report = agent.mode === 'report' || rule?.mode === 'report';
  return { decision: report ? 'report' : 'deny', code, rule, message };
}

function finish<T extends Decision>(trace: TraceStep[] | undefined, decision: T): T {
  if (trace !== undefined) {
    step(trace, 'decision', decision.decision === 'allow' ? 'pass' : 'fail', `${decision.decision} ${decision.code}: ${decision.message}`);
  }
  return decision;
}

export function decide(agent: CompiledAgent, method: string, target: RequestTarget, ctx: DecideContext): Decision {
  const trace = ctx.trace;
  if (agent.mode === 'disabled') return finish(trace, suspended(agent));
  const rules = agent.rulesFor(target.host, target.port);
  if (trace !== undefined) {
    step(trace, 'agent', 'pass', `agent '${agent.id}' is in ${agent.mode} mode`);
    step(trace, 'host', rules.length > 0 ? 'pass' : 'fail', `${rules.length} rule(s) for ${hostText(target.host)}:${target.port}`);
  }

  let allow: CompiledRule | null = null;
  let reportedDeny: CompiledRule | null = null;
  let unmet: CompiledRule | null = null;
  let unmetReason: string | null = null;
  for (const rule of rules) {
    if (rule.tunnel) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'skip', 'tunnel rule: decided at CONNECT, not per request');
      continue;
    }
    // HTTP methods are case-sensitive (RFC 9110 §9.1): `get` is not GET.
    if (rule.methods !== null && !rule.methods.has(method)) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'fail', `method ${method} is not one of ${[...rule.methods].join(', ')}`);
      continue;
    }
    if (!rule.matchesPath(target.path)) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'fail', `path ${target.path} matches none of ${rule.paths?.join(', ')}`);
      continue;
    }
    if (rule.action !== 'deny' && allow !== null) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'skip', `an earlier rule (${allow.ref}) already allows`);
      continue;
    }
    const failing = rule.when === null ? null : rule.when.failing(ctx);
    if (rule.action === 'deny') {
      if (failing !== null) {
        if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'skip', `deny rule does not apply: ${failing}`);
      } else if (rule.mode === 'report') {
        if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'info', 'deny rule applies, in report mode: recorded, not enforced');
        reportedDeny ??= rule;
      } else {
        if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'fail', 'deny rule applies (a deny wins over any allow)');
        return finish(trace, refusal(agent, `${method} ${urlOf(target)}`, 'denied_by_rule', rule, null));
      }
    } else if (failing === null) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'pass', `${rule.action} rule applies`);
      allow = rule;
    } else {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'fail', `${rule.action} rule applies but its condition is false: ${failing}`);
      if (unmet === null || (rule.mode === 'report' && unmet.mode !== 'report')) {
        unmet = rule;
        unmetReason = failing;
      }
    }
  }

  if (allow !== null && reportedDeny !== null) {
    return finish(trace, refusal(agent, `${method} ${urlOf(target)}`, 'denied_by_rule', reportedDeny, null));
  }
  if (allow !== null) return finish(trace, allowOf(allow));
  const code: DenyCode = unmet === null ? 'no_matching_rule' : 'condition_not_met';
  return finish(trace, refusal(agent, `${method} ${urlOf(target)}`, code, unmet, unmetReason));
}

/** A report-mode refusal still opens the CONNECT (SPEC §4): each request inside is decided. */
function connectRefusal(refused: Decision, reportHandling: 'tunnel' | 'intercept'): ConnectDecision {
  return { ...refused, handling: refused.decision === 'report' ? reportHandling : null };
}

/**
 * Host-level decision for `CONNECT host:port` (host already normalised): an enforced deny rule
 * with neither methods nor paths whose `when` holds → refused before any tunnel opens; else
 * the first tunnel rule whose `when` holds → tunnel; else any allow/approve rule for the host
 * → intercept (methods, paths and `when` are decided per request inside); else refused.
 */
export function decideConnect(agent: CompiledAgent, host: string, port: number, ctx: DecideContext): ConnectDecision {
  const trace = ctx.trace;
  if (agent.mode === 'disabled') return finish(trace, { ...suspended(agent), handling: null });
  const rules = agent.rulesFor(host, port);
  if (trace !== undefined) {
    step(trace, 'agent', 'pass', `agent '${agent.id}' is in ${agent.mode} mode`);
    step(trace, 'host', rules.length > 0 ? 'pass' : 'fail', `${rules.length} rule(s) for ${hostText(host)}:${port}`);
  }

  let tunnel: CompiledRule | null = null;
  let intercept: CompiledRule | null = null;
  let reportedDeny: CompiledRule | null = null;
  let unmet: CompiledRule | null = null;
  let unmetReason: string | null = null;
  for (const rule of rules) {
    if (rule.action === 'deny' && (rule.methods !== null || rule.paths !== null)) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'skip', 'deny rule with methods or paths: decided per request');
      continue;
    }
    if (!rule.tunnel && rule.action !== 'deny') {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, intercept === null ? 'pass' : 'skip', `${rule.action} rule for the host: intercept, decide each request`);
      intercept ??= rule;
      continue;
    }
    if (rule.action !== 'deny' && tunnel !== null) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'skip', `an earlier tunnel rule (${tunnel.ref}) already applies`);
      continue;
    }
    const failing = rule.when === null ? null : rule.when.failing(ctx);
    if (failing !== null) {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'fail', `condition is false: ${failing}`);
      if (rule.action !== 'deny' && (unmet === null || (rule.mode === 'report' && unmet.mode !== 'report'))) {
        unmet = rule;
        unmetReason = failing;
      }
    } else if (rule.action !== 'deny') {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'pass', 'tunnel rule applies');
      tunnel = rule;
    } else if (rule.mode === 'report') {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'info', 'host deny rule applies, in report mode: recorded, not enforced');
      reportedDeny ??= rule;
    } else {
      if (trace !== undefined) step(trace, `rule ${rule.ref}`, 'fail', 'host deny rule applies (a deny wins over any allow)');
      const refused = refusal(agent, `CONNECT ${hostText(host)}:${port}`, 'denied_by_rule', rule, null);
      return finish(trace, connectRefusal(refused, 'intercept'));
    }
  }

  const chosen = tunnel ?? intercept;
  if (chosen !== null && reportedDeny === null) return finish(trace, connectAllowOf(chosen));
  const attempt = `CONNECT ${hostText(host)}:${port}`;
  if (chosen !== null) {
    const refused = refusal(agent, attempt, 'denied_by_rule', reportedDeny, null);
    return finish(trace, { ...refused, handling: chosen.tunnel ? 'tunnel' : 'intercept' });
  }
  const code: DenyCode = unmet === null ? 'no_matching_rule' : 'condition_not_met';
  const refused = refusal(agent, attempt, code, unmet, unmetReason);
  return finish(trace, connectRefusal(refused, unmet === null ? 'intercept' : 'tunnel'));
}
