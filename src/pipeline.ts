// One intercepted or plain-HTTP request, in the SPEC §2 order, written once:
//   identity (settled by the listener) → ambiguity (target built by the listener) → rules →
//   destination → size → [rate → budget: issue 4] → approval → injection → forward → audit.
// Each step either records a refusal on the Exchange and answers, or falls through.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, statusOf, type DenyCode } from './errors.ts';
import type { Exchange } from './exchange.ts';
import { decide } from './policy/decide.ts';
import type { RequestTarget } from './policy/types.ts';
import { refusalOf, sendRefusal } from './listener/respond.ts';
import { forward } from './forward/forward.ts';
import type { Runtime } from './runtime.ts';

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

  const decision = decide(agent, ex.method, target, rt.decideContext());
  ex.rule = decision.rule?.ref ?? null;
  if (decision.decision === 'deny') return refuse(ex, res, decision.code as DenyCode, decision.message);
  if (decision.decision === 'report') {
    ex.report(decision.code, decision.message);
  }
  const rule = decision.rule;

  if (rule !== null && rule.action === 'approve' && ex.mode === 'enforce') {
    return refuse(ex, res, 'approval_denied',
      `rule '${rule.ref}' needs a human approval, and approval gates are not available in this build`);
  }

  const destination = await rt.resolver.resolve(target.host, target.port);
  if (!destination.ok) return refuse(ex, res, destination.error.code, destination.error.message);
  ex.destinationIp = destination.address;

  const maxBytes = rule?.maxRequestBytes ?? rt.config.limits.maxRequestBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return refuse(ex, res, 'request_too_large',
      `request body of ${declared} bytes is over the limit of ${maxBytes} bytes`, true);
  }

  try {
    await forward(rt, ex, req, res, {
      scheme: target.scheme,
      host: target.host,
      ip: destination.address,
      port: target.port,
    }, upstreamTarget(target.path, originForm), rule?.injectHeaders ?? EMPTY, maxBytes);
  } catch (err) {
    const failure = err instanceof GatewayError ? err : new GatewayError('upstream_error', 'upstream request failed', { cause: err });
    if (failure.code !== 'request_too_large') rt.log.warn({ err, requestId: ex.id, host: target.host }, 'upstream request failed');
    refuse(ex, res, failure.code, failure.message, failure.code === 'request_too_large');
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();

// The upstream gets the path the policy checked (normalised), never a differently-encoded
// spelling it might decode differently, plus the agent's query untouched.
function upstreamTarget(checkedPath: string, originForm: string): string {
  const q = originForm.indexOf('?');
  return q === -1 ? checkedPath : checkedPath + originForm.slice(q);
}

/** Records the refusal on the exchange and answers it; a 400 closes the connection (SPEC §2). */
export function refuse(
  ex: Exchange,
  res: ServerResponse,
  code: DenyCode,
  message: string,
  close = false,
  headers?: Readonly<Record<string, string>>,
): void {
  ex.refuse(code, message);
  sendRefusal(res, refusalOf(ex, code, statusOf(code), message, headers ? { headers } : {}), close || code === 'ambiguous_request');
}
