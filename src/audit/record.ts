// The audit record (SPEC §6): one line per request and per tunnel. Never bodies, header
// values, query values, tokens or secrets: only the fields below, built from the Exchange.
import type { Exchange } from '../exchange.ts';
import { auditIdentity } from '../identity/identity.ts';

/** A budget the request was charged to, as it stood after the charge (SPEC §6 `budgets`). */
export interface AuditBudget {
  readonly id: string;
  readonly spent_usd: number;
  readonly limit_usd: number;
}

export interface AuditRecordBody {
  ts: string;
  id: string;
  agent: string | null;
  identity: Record<string, string | null> | null;
  decision: 'allow' | 'deny' | 'report';
  code: string;
  rule: string | null;
  mode: 'enforce' | 'report';
  policy_version: string;
  request: {
    method: string;
    scheme: string;
    host: string;
    port: number;
    path: string | null;
    bytes: number;
    intercepted: boolean;
  };
  destination: { ip: string | null };
  response: { status: number | null; bytes: number };
  duration_ms: number;
  usage: Record<string, unknown> | null;
  cost_usd: number | null;
  budgets: readonly AuditBudget[] | null;
  approval: Record<string, unknown> | null;
  message: string | null;
}

export function recordOf(exchange: Exchange, policyVersion: string): AuditRecordBody {
  return {
    ts: new Date(exchange.ts).toISOString(),
    id: exchange.id,
    agent: exchange.agentId,
    identity: auditIdentity(exchange.identity),
    decision: exchange.decision,
    code: exchange.code,
    rule: exchange.rule,
    mode: exchange.mode,
    policy_version: policyVersion,
    request: {
      method: exchange.method,
      scheme: exchange.scheme,
      host: exchange.host,
      port: exchange.port,
      path: exchange.method === 'CONNECT' ? null : exchange.path,
      bytes: exchange.requestBytes,
      intercepted: exchange.intercepted,
    },
    destination: { ip: exchange.destinationIp },
    response: { status: exchange.status, bytes: exchange.responseBytes },
    duration_ms: exchange.durationMs(),
    usage: exchange.usage,
    cost_usd: exchange.costUsd,
    budgets: exchange.budgets,
    approval: exchange.approval,
    message: exchange.message,
  };
}
