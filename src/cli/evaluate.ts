// Offline evaluation of a hypothetical request, shared by `explain` and `test` (SPEC §8).
// It walks the SPEC §2 order — identity → kill switch → ambiguity → rules → destination →
// size → rate → budget → approval — deciding what can be decided from the config alone and
// saying plainly, with the config values that apply, what only the running gateway can check
// (the store's switches and counters, DNS, a human). It never pretends a run-time check passed.
import type { CompiledBudget, CompiledConfig } from '../config/compiled.ts';
import { didYouMean } from '../config/suggest.ts';
import { GatewayError, type DecisionCode } from '../errors.ts';
import { decide, decideConnect } from '../policy/decide.ts';
import { targetFromUrl } from '../policy/normalize.ts';
import type { CompiledAgent, CompiledRule, ConnectDecision, DecideContext, RequestTarget, TraceStep } from '../policy/types.ts';

export interface HypotheticalRequest {
  readonly agent: string;
  /** Upper-case. */
  readonly method: string;
  /** Absolute http(s) URL; its shape was checked by the caller (`isHttpUrl`). */
  readonly url: string;
}

export interface Explanation {
  readonly decision: 'allow' | 'deny' | 'report';
  readonly code: DecisionCode;
  /** `POLICY/RULE_ID` of the deciding rule, or null. */
  readonly rule: string | null;
  readonly message: string;
  readonly target: RequestTarget | null;
  readonly trace: readonly TraceStep[];
}

const NOT_REACHED = 'not reached';
const RUNTIME_CHECKS = ['destination', 'size', 'rate', 'budget', 'approval'] as const;

export function evaluate(config: CompiledConfig, request: HypotheticalRequest, ctx: Omit<DecideContext, 'trace'>): Explanation {
  const trace: TraceStep[] = [];
  const denied = (code: DecisionCode, message: string, target: RequestTarget | null, rule: CompiledRule | null = null): Explanation => {
    for (const check of RUNTIME_CHECKS) trace.push({ check, result: 'skip', detail: NOT_REACHED });
    return { decision: 'deny', code, rule: rule?.ref ?? null, message, target, trace };
  };

  const agent = config.policy.agents.get(request.agent);
  if (agent === undefined) {
    const hint = didYouMean(request.agent, config.policy.agents.keys());
    trace.push({ check: 'identity', result: 'fail', detail: `no agent '${request.agent}' is configured${hint}` });
    for (const check of ['kill switch', 'ambiguity', 'rules']) trace.push({ check, result: 'skip', detail: NOT_REACHED });
    return denied('unknown_agent', `unknown agent '${request.agent}'`, null);
  }
  trace.push({ check: 'identity', result: 'pass', detail: `agent '${agent.id}' is configured (${describeMatch(agent)}; mode ${agent.mode}); the credential itself is verified at run time` });
  if (agent.mode === 'disabled') {
    const message = `agent '${agent.id}' is suspended (mode: disabled)`;
    trace.push({ check: 'kill switch', result: 'fail', detail: `${message} in the config` });
    for (const check of ['ambiguity', 'rules']) trace.push({ check, result: 'skip', detail: NOT_REACHED });
    return denied('agent_suspended', message, null);
  }
  trace.push({
    check: 'kill switch',
    result: 'info',
    detail: 'n/a offline: suspensions (global or per agent) live in the store and are checked on every request at run time',
  });

  let target: RequestTarget;
  try {
    target = targetFromUrl(request.url);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    trace.push({ check: 'ambiguity', result: 'fail', detail: err.message });
    trace.push({ check: 'rules', result: 'skip', detail: NOT_REACHED });
    return denied(err.code, err.message, null);
  }
  trace.push({ check: 'ambiguity', result: 'pass', detail: `${target.scheme}://${target.host}:${target.port} path ${target.path}` });

  if (target.scheme === 'https') {
    // An agent reaches an https URL through CONNECT first: a host without any rule is refused
    // there, and a tunnel rule means the gateway never sees the method or the path.
    const connect = decideConnect(agent, target.host, target.port, ctx);
    const how = connect.handling === null ? 'refused' : connect.handling;
    trace.push({
      check: 'connect',
      result: connect.decision === 'allow' ? 'pass' : connect.decision === 'report' ? 'info' : 'fail',
      detail: `CONNECT ${target.host}:${target.port} → ${how}${connect.rule ? ` (rule ${connect.rule.ref})` : ''}: ${connect.message}`,
    });
    if (connect.decision === 'deny') return denied(connect.code, connect.message, target, connect.rule);
    if (connect.handling === 'tunnel' && connect.rule !== null) return tunnelled(config, { ...connect, rule: connect.rule }, target, trace);
  }

  const rulesTrace: TraceStep[] = [];
  const decision = decide(agent, request.method, target, { ...ctx, trace: rulesTrace });
  trace.push(...rulesTrace);
  if (decision.decision === 'deny') return denied(decision.code, decision.message, target, decision.rule);
  trace.push(...runtimeChecks(config, agent, decision.rule, target));
  return {
    decision: decision.decision,
    code: decision.code,
    rule: decision.rule?.ref ?? null,
    message: decision.message,
    target,
    trace,
  };
}

function tunnelled(config: CompiledConfig, connect: ConnectDecision & { rule: CompiledRule }, target: RequestTarget, trace: TraceStep[]): Explanation {
  const { rule } = connect;
  trace.push({ check: 'rules', result: 'pass', detail: `tunnel rule ${rule.ref}: bytes are spliced, TLS is not touched; the method and path are never seen` });
  trace.push(destinationStep(config, target));
  for (const check of ['size', 'rate', 'budget', 'approval']) {
    trace.push({ check, result: 'skip', detail: 'n/a inside a tunnel (host-level allow only)' });
  }
  return { decision: connect.decision, code: connect.code, rule: rule.ref, message: connect.message, target, trace };
}

function runtimeChecks(config: CompiledConfig, agent: CompiledAgent, rule: CompiledRule | null, target: RequestTarget): TraceStep[] {
  const steps = [destinationStep(config, target)];

  const bodyLimit = rule?.maxRequestBytes ?? null;
  steps.push({
    check: 'size',
    result: 'info',
    detail: `at run time: body ≤ ${bodyLimit ?? config.limits.maxRequestBytes} bytes (${bodyLimit === null ? 'limits.max_request_bytes' : `rule ${rule?.ref} max_request_bytes`}), headers ≤ ${config.limits.maxHeaderBytes} bytes`,
  });

  const rates = [
    ...(agent.rate ? [`agent-wide ${agent.rate.text}`] : []),
    ...(rule?.rate ? [`${rule.rate.text} for rule ${rule.ref}`] : []),
  ];
  steps.push({
    check: 'rate',
    result: 'info',
    detail: rates.length === 0 ? 'no rate limit applies' : `at run time, counted in the store: ${rates.join('; ')}`,
  });

  steps.push({ check: 'budget', result: 'info', detail: budgetDetail(rule, config.budgets.get(agent.id) ?? []) });

  steps.push({
    check: 'approval',
    result: 'info',
    detail: rule?.action === 'approve'
      ? `human approval required: the request waits up to ${formatMs(rule.approvalTimeoutMs)} for POST /v1/approvals/{id}/approve (denied → approval_denied, no answer → approval_timeout)`
      : 'not required',
  });

  if (rule !== null && rule.injectHeaders.size > 0) {
    steps.push({ check: 'credentials', result: 'info', detail: `injects header ${[...rule.injectHeaders.keys()].join(', ')} (value not shown)` });
  }
  return steps;
}

function destinationStep(config: CompiledConfig, target: RequestTarget): TraceStep {
  const { network } = config;
  const fixed = network.resolve.get(target.host);
  const source = target.isIp
    ? `IP literal ${target.host}`
    : fixed ? `${target.host} → ${fixed.join(', ')} (network.resolve)` : `${target.host} resolved by DNS`;
  const deny = [...(network.useDefaultDeny ? ['the built-in private/loopback/metadata ranges'] : []), ...network.denyCidrs.map((c) => c.text)];
  const allow = network.allowCidrs.map((c) => c.text);
  return {
    check: 'destination',
    result: 'info',
    detail: `at run time: ${source}; every address must be outside ${deny.length === 0 ? '(no denied ranges)' : deny.join(', ')}` +
      (allow.length === 0 ? '' : ` unless inside ${allow.join(', ')}`),
  };
}

function budgetDetail(rule: CompiledRule | null, budgets: readonly CompiledBudget[]): string {
  const list = budgets.length === 0
    ? 'no budget applies to this agent'
    : budgets.map((b) => `${b.id} $${b.limitUsd}/${b.per} ${b.tz} (${b.owner})`).join('; ');
  const meter = rule?.meter ?? { kind: 'none' as const };
  switch (meter.kind) {
    case 'none': return `not metered (meter: none); budgets: ${list}`;
    case 'fixed': return `at run time: $${meter.usdPerRequest} per request reserved and charged against: ${list}`;
    default: {
      const estimate = rule?.reserveUsd == null ? 'an estimate from max_tokens and input size' : `$${rule.reserveUsd} (reserve_usd)`;
      return `at run time: ${estimate} reserved, then the ${meter.kind} usage charged against: ${list}`;
    }
  }
}

function describeMatch(agent: CompiledAgent): string {
  const parts = [
    ...(agent.match.spiffe ? [`spiffe ${agent.match.spiffe}`] : []),
    ...(agent.match.cn ? [`cn ${agent.match.cn}`] : []),
    ...(agent.match.tokenSha256 ? ['token'] : []),
  ];
  return `match: ${parts.join(', ')}`;
}

function formatMs(ms: number | null): string {
  if (ms === null) return 'the default timeout';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}
