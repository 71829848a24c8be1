// One intercepted or plain-HTTP request, in the SPEC §2 order, written once:
//   identity (settled by the listener) → kill switch → ambiguity (target built by the
//   listener) → rules → destination → size → rate → budget → approval → injection → forward
//   (metering on the way back) → settle spend → audit (written by the caller, see `finish`).
// Each step either records a refusal on the Exchange and answers, or falls through.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, statusOf, type DenyCode } from './errors.ts';
import type { Exchange } from './exchange.ts';
import { forward } from './forward/forward.ts';
import { readBody } from './forward/read-body.ts';
import { bodySha256, withoutQueryValues } from './governance/approval-request.ts';
import { suspensionMessage } from './governance/suspension-message.ts';
import { auditBudgets, admit } from './limits/admit.ts';
import { nanoToUsd, usdToNano } from './limits/money.ts';
import type { Reservation } from './limits/types.ts';
import { refusalOf, sendRefusal } from './listener/respond.ts';
import { estimateRequest } from './metering/request-estimate.ts';
import { createResponseMeter, type ResponseMeter } from './metering/response-meter.ts';
import { settleNano } from './metering/settle.ts';
import type { Usage } from './metering/usage.ts';
import { decide } from './policy/decide.ts';
import type { CompiledRule, RequestTarget } from './policy/types.ts';
import type { Runtime } from './runtime.ts';

const EMPTY: ReadonlyMap<string, string> = new Map();

export async function handleRequest(
  rt: Runtime,
  ex: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  /** The request target as the agent sent it (origin form); only its query is reused. */
  originForm: string,
): Promise<void> {
  const identity = ex.identity;
  if (identity === null) throw new Error('handleRequest needs a settled identity');
  const agent = identity.agent;

  if (rt.config.audit.required && !rt.audit.available) {
    return refuse(ex, res, 'audit_unavailable', 'no audit sink accepts records and audit is required; traffic is refused until one does');
  }
  const suspended = rt.governance.suspension(agent.id);
  if (suspended !== null) {
    return refuse(ex, res, 'agent_suspended', suspensionMessage(agent.id, suspended));
  }

  const decision = decide(agent, ex.method, target, rt.decideContext());
  ex.rule = decision.rule?.ref ?? null;
  if (decision.decision === 'deny') return refuse(ex, res, decision.code as DenyCode, decision.message);
  if (decision.decision === 'report') ex.report(decision.code, decision.message);
  const rule = decision.rule;

  // Literal, pinned and recently resolved names answer synchronously: no await on that path.
  const resolving = rt.resolver.resolve(target.host, target.port);
  const destination = resolving instanceof Promise ? await resolving : resolving;
  if (!destination.ok) return refuse(ex, res, destination.error.code, destination.error.message, false, destination.error.headers);
  ex.destinationIp = destination.address;

  const maxBytes = rule?.maxRequestBytes ?? rt.config.limits.maxRequestBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return refuse(ex, res, 'request_too_large', `request body of ${declared} bytes is over the limit of ${maxBytes} bytes`, true);
  }

  // Metered and approval-gated requests are read whole (bounded by maxBytes): the estimate
  // needs the body, and an approval is bound to the exact bytes a human saw.
  const meterKind = rule?.meter.kind === 'openai' || rule?.meter.kind === 'anthropic' ? rule.meter.kind : null;
  const gated = rule !== null && rule.action === 'approve';
  let body: Buffer | null = null;
  if (meterKind !== null || gated) {
    try {
      body = await readBody(req, maxBytes);
    } catch (err) {
      if (err instanceof GatewayError) return refuse(ex, res, err.code, err.message, true);
      throw err;
    }
    ex.requestBytes = body.length;
  }

  const priced = price(rt, rule, meterKind, target.path, body);
  if (!priced.ok) return refuse(ex, res, 'denied_by_rule', priced.message);
  if (priced.rewrittenBody !== null) body = priced.rewrittenBody;

  const admitting = admit(rt, agent, rule, priced.estimateNano, priced.costs);
  const admission = admitting instanceof Promise ? await admitting : admitting;
  let reservation: Reservation | null = null;
  if (!admission.ok) {
    const { error } = admission;
    if (error.code === 'rate_limited') rt.metrics.rateLimited(agent.id, rule?.ref ?? 'agent');
    if (ex.mode !== 'report' && agent.mode !== 'report') {
      return refuse(ex, res, error.code, error.message, false, error.headers, error.details);
    }
    ex.report(error.code, error.message);
  } else {
    reservation = admission.reservation;
    if (admission.storeBypassed) ex.message = 'counter store unavailable: forwarded unchecked (store.on_error: allow)';
  }

  try {
    if (gated && ex.mode === 'enforce') {
      const verdict = await approval(rt, ex, req, res, rule, body ?? Buffer.alloc(0), target);
      if (verdict !== null) return refuse(ex, res, verdict.code, verdict.message);
      if (res.destroyed) return;
    }

    const meter = meterKind === null ? null : createResponseMeter(meterKind, { stripUsageChunk: priced.stripUsageChunk });
    try {
      await forward(rt, ex, req, res, { scheme: target.scheme, host: target.host, ip: destination.address, port: target.port },
        upstreamTarget(target.path, originForm), rule?.injectHeaders ?? EMPTY, maxBytes, body, meter);
    } catch (err) {
      const failure = err instanceof GatewayError ? err : new GatewayError('upstream_error', 'upstream request failed', { cause: err });
      if (failure.code !== 'request_too_large') rt.log.warn({ err, requestId: ex.id, host: target.host }, 'upstream request failed');
      refuse(ex, res, failure.code, failure.message, failure.code === 'request_too_large');
    }
    if (ex.upstreamError !== null) {
      rt.log.warn({ requestId: ex.id, host: target.host, err: ex.upstreamError }, 'upstream failed after its response began; the agent got a cut response');
      ex.message ??= `upstream failed after the response began: ${ex.upstreamError}`;
    }
    const usage = meter?.finish() ?? null;
    if (usage !== null) ex.usage = auditUsage(usage);
    if (reservation !== null || rule?.meter.kind === 'fixed' || meterKind !== null) {
      const actual = reservation === null && ex.status === null ? 0 : settleNano({
        outcome: ex.status === null || ex.code === 'upstream_error' || ex.code === 'upstream_timeout'
          ? { kind: 'no-response' }
          : { kind: 'response', status: ex.status, usage, usageFinal: meter?.final ?? true },
        reservedNano: reservation?.estimateNano ?? priced.estimateNano,
        requestModel: priced.model,
        prices: rt.prices,
      });
      ex.costUsd = nanoToUsd(actual);
      reservation = await settle(rt, ex, reservation, actual);
    }
  } finally {
    // A refusal or crash between acquire and settle must not hold budget until expiry.
    if (reservation !== null) await settle(rt, ex, reservation, 0);
  }
}

interface Priced {
  readonly ok: true;
  readonly model: string | null;
  readonly estimateNano: number;
  /** Whether budgets apply: the request can cost money. */
  readonly costs: boolean;
  readonly rewrittenBody: Buffer | null;
  readonly stripUsageChunk: boolean;
}

const UNPRICED: Priced = { ok: true, model: null, estimateNano: 0, costs: false, rewrittenBody: null, stripUsageChunk: false };

/** The reservation estimate (SPEC §5): from the LLM request, else `usd_per_request`, else `reserve_usd`. */
function price(
  rt: Runtime,
  rule: CompiledRule | null,
  meterKind: 'openai' | 'anthropic' | null,
  path: string,
  body: Buffer | null,
): Priced | { readonly ok: false; readonly message: string } {
  if (rule === null) return UNPRICED;
  const reserveNano = rule.reserveUsd === null ? 0 : usdToNano(rule.reserveUsd);
  if (rule.meter.kind === 'fixed') {
    return { ...UNPRICED, estimateNano: usdToNano(rule.meter.usdPerRequest), costs: true };
  }
  if (meterKind === null) return rule.reserveUsd === null ? UNPRICED : { ...UNPRICED, estimateNano: reserveNano, costs: true };
  const estimate = estimateRequest(meterKind, path, body ?? Buffer.alloc(0), rt.prices);
  if (!estimate.ok) return { ok: false, message: `rule ${rule.ref} meters spend: ${estimate.reason}` };
  return {
    ok: true,
    model: estimate.model,
    estimateNano: estimate.estimateNano ?? reserveNano,
    costs: true,
    rewrittenBody: estimate.rewrittenBody,
    stripUsageChunk: estimate.stripUsageChunk,
  };
}

/** Replaces the reservation by the actual cost; returns null (nothing left to release). */
async function settle(rt: Runtime, ex: Exchange, reservation: Reservation | null, actualNano: number): Promise<null> {
  if (reservation === null) return null;
  try {
    const states = await rt.store.settle(reservation, actualNano, rt.now());
    ex.budgets = auditBudgets(states);
    rt.metrics.budgets(ex.agentId ?? '', states);
    for (const state of states) rt.metrics.spend(ex.agentId ?? '', state.id, ex.costUsd ?? 0);
  } catch (err) {
    // The reservation expires on its own; the spend is lost to the counters but not to the audit record.
    rt.metrics.storeError();
    rt.log.error({ err, requestId: ex.id }, 'could not settle spend; the reservation will expire');
  }
  return null;
}

/** Holds the request for a human (issue 6): null when approved, else the refusal. */
async function approval(
  rt: Runtime,
  ex: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  rule: CompiledRule,
  body: Buffer,
  target: RequestTarget,
): Promise<{ code: DenyCode; message: string } | null> {
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  res.once('close', onClose);
  try {
    const outcome = await rt.governance.awaitApproval({
      agent: ex.agentId ?? '',
      rule: rule.ref,
      method: ex.method,
      url: withoutQueryValues(`${target.scheme}://${target.host}:${target.port}${req.url ?? target.path}`),
      bodyBytes: body.length,
      bodySha256: bodySha256(body),
      timeoutMs: rule.approvalTimeoutMs ?? 600_000,
    }, abort.signal);
    const a = outcome.approval;
    ex.approval = { id: a.id, state: a.state, by: a.decidedBy, comment: a.comment, decided_at: a.decidedAt };
    rt.metrics.approval(outcome.state);
    switch (outcome.state) {
      case 'approved': return null;
      case 'denied': return { code: 'approval_denied', message: `a reviewer (${a.decidedBy ?? 'unknown'}) denied this request` };
      case 'expired': return { code: 'approval_timeout', message: `nobody approved this request within ${rule.approvalTimeoutMs ?? 600_000} ms` };
      case 'withdrawn': return { code: 'approval_denied', message: 'the agent went away while the request waited for approval' };
    }
  } catch (err) {
    if (err instanceof GatewayError) return { code: err.code, message: err.message };
    throw err;
  } finally {
    res.off('close', onClose);
  }
}

// The upstream gets the path the policy checked (normalised), never a differently-encoded
// spelling it might decode differently, plus the agent's query untouched.
function upstreamTarget(checkedPath: string, originForm: string): string {
  const q = originForm.indexOf('?');
  return q === -1 ? checkedPath : checkedPath + originForm.slice(q);
}

function auditUsage(usage: Usage): Record<string, unknown> {
  return {
    model: usage.model,
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_input_tokens: usage.cachedInputTokens,
    cache_read_tokens: usage.cacheReadTokens,
    cache_write_tokens: usage.cacheWriteTokens,
  };
}

/** Records the refusal on the exchange and answers it; a 400 closes the connection (SPEC §2). */
export function refuse(
  ex: Exchange,
  res: ServerResponse,
  code: DenyCode,
  message: string,
  close = false,
  headers?: Readonly<Record<string, string>>,
  details?: Readonly<Record<string, unknown>>,
): void {
  ex.refuse(code, message);
  ex.status = statusOf(code);
  sendRefusal(res, refusalOf(ex, code, ex.status, message, { ...(headers ? { headers } : {}), ...(details ? { details } : {}) }),
    close || code === 'ambiguous_request');
}

/** The one audit record and the metrics of a finished request (SPEC §6: exactly one each). */
export function finish(rt: Runtime, ex: Exchange): void {
  rt.audit.write(ex, rt.config.version);
  rt.metrics.request({ agent: ex.agentId, decision: ex.decision, code: ex.code, rule: ex.rule, durationSeconds: ex.durationMs() / 1000 });
  if (ex.upstreamMs !== null) rt.metrics.upstream(ex.upstreamMs / 1000);
  if (ex.requestBytes > 0) rt.metrics.bytes('to_upstream', ex.requestBytes);
  if (ex.responseBytes > 0) rt.metrics.bytes('to_agent', ex.responseBytes);
}
