// What binds an approval to exactly one held request (SPEC §7): method, URL and a hash of the
// buffered body. The approver sees these, and the waiter checks them again before it lets the
// request go, so a record changed in the store cannot release a different request.
import { createHash } from 'node:crypto';
import type { Approval, ApprovalRequest } from './types.ts';

export function bodySha256(body: Uint8Array): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * The URL as an approver may see it: query names kept, values dropped (they can hold tokens
 * or personal data, and the listing is shown to humans). Idempotent.
 */
export function withoutQueryValues(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const names = query.split('&').filter((part) => part.length > 0).map((part) => {
    const eq = part.indexOf('=');
    return `${eq === -1 ? part : part.slice(0, eq)}=`;
  });
  return `${url.slice(0, q)}?${names.join('&')}`;
}

const BINDING = ['agent', 'rule', 'method', 'url', 'bodyBytes', 'bodySha256'] as const;

/** The first binding field in which the decided record differs from the held request, or null. */
export function bindingMismatch(held: ApprovalRequest, decided: Approval): string | null {
  for (const field of BINDING) if (held[field] !== decided[field]) return field;
  return null;
}
