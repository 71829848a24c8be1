// An approval as a Redis hash: times as epoch ms (the Lua transition compares them), optional
// fields absent rather than empty.
import type { Approval, ApprovalState } from './types.ts';

const STATES: ReadonlySet<string> = new Set<ApprovalState>(['pending', 'approved', 'denied', 'expired', 'withdrawn']);

export function toHash(approval: Approval): Record<string, string> {
  return {
    agent: approval.agent,
    rule: approval.rule,
    method: approval.method,
    url: approval.url,
    body_bytes: String(approval.bodyBytes),
    body_sha256: approval.bodySha256,
    timeout_ms: String(approval.timeoutMs),
    state: approval.state,
    created_ms: String(Date.parse(approval.createdAt)),
    expires_ms: String(Date.parse(approval.expiresAt)),
  };
}

/** From HGETALL, or a flat [field, value, …] list from Lua; null when the record is gone. */
export function fromHash(id: string, input: Record<string, string> | readonly string[]): Approval | null {
  const h = Array.isArray(input) ? pairs(input) : input as Record<string, string>;
  const state = h['state'];
  if (state === undefined || !STATES.has(state)) return null;
  return {
    id,
    agent: h['agent'] ?? '',
    rule: h['rule'] ?? '',
    method: h['method'] ?? '',
    url: h['url'] ?? '',
    bodyBytes: Number(h['body_bytes']),
    bodySha256: h['body_sha256'] ?? '',
    timeoutMs: Number(h['timeout_ms']),
    state: state as ApprovalState,
    createdAt: iso(h['created_ms']) ?? '',
    expiresAt: iso(h['expires_ms']) ?? '',
    decidedBy: h['decided_by'] ?? null,
    comment: h['comment'] ?? null,
    decidedAt: iso(h['decided_ms']),
  };
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

function iso(ms: string | undefined): string | null {
  return ms === undefined ? null : new Date(Number(ms)).toISOString();
}
