// The SPEC §2 table, declared once. Every deny carries one of these codes through to the
// response, the audit record and the metrics; no other file invents a code or a status.

export const DENY_CODES = {
  identity_required: 407,
  identity_invalid: 403,
  unknown_agent: 403,
  agent_suspended: 403,
  no_matching_rule: 403,
  denied_by_rule: 403,
  condition_not_met: 403,
  destination_denied: 403,
  ambiguous_request: 400,
  request_too_large: 413,
  headers_too_large: 431,
  rate_limited: 429,
  budget_exceeded: 402,
  approval_denied: 403,
  approval_timeout: 403,
  store_unavailable: 503,
  audit_unavailable: 503,
  upstream_error: 502,
  upstream_timeout: 504,
} as const;

export type DenyCode = keyof typeof DENY_CODES;
/** `ok` is the code of an allowed request in the audit record and metrics. */
export type DecisionCode = DenyCode | 'ok';

export function statusOf(code: DenyCode): number {
  return DENY_CODES[code];
}

/** SPEC §2: `egress_denied` for every 4xx the policy produces, `gateway_error` for 5xx. */
export function errorTypeOf(code: DenyCode): 'egress_denied' | 'gateway_error' {
  return DENY_CODES[code] >= 500 ? 'gateway_error' : 'egress_denied';
}

export function isDenyCode(value: string): value is DenyCode {
  return Object.hasOwn(DENY_CODES, value);
}

/** A refusal raised anywhere on the request path; the listener turns it into the SPEC body. */
export class GatewayError extends Error {
  readonly code: DenyCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: DenyCode,
    message: string,
    options: { headers?: Record<string, string>; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = DENY_CODES[code];
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}
