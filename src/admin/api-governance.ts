// Run-time flags and approvals (SPEC §7): `GET /v1/flags`, `PUT /v1/flags/{name}`,
// `GET /v1/approvals?state=`, `POST /v1/approvals/{id}/approve|deny`. The governance store
// answers 404 (unknown approval) and 409 (already decided) itself.
import { isFlagName } from '../governance/names.ts';
import type { Approval, ApprovalState } from '../governance/types.ts';
import { badRequest } from './admin-error.ts';
import type { AdminContext } from './context.ts';
import { bodyObject, optionalString, requiredBoolean, requiredString } from './input.ts';
import { json, type AdminRequest, type Route } from './router.ts';

const STATES: readonly ApprovalState[] = ['pending', 'approved', 'denied', 'expired', 'withdrawn'];
const MAX_ACTOR = 100;
const MAX_COMMENT = 1000;

export function governanceRoutes(ctx: AdminContext): Route[] {
  const { governance } = ctx;
  const decide = (decision: 'approve' | 'deny') => async (request: AdminRequest) => {
    const body = bodyObject(await request.body(), ['by', 'comment'], true);
    const by = requiredString(body, 'by', MAX_ACTOR);
    const comment = optionalString(body, 'comment', MAX_COMMENT);
    const approval = await governance.decideApproval(request.params['id'] as string, decision,
      comment === null ? { by } : { by, comment });
    return json({ approval: publicApproval(approval) });
  };
  return [
    { path: '/v1/flags', methods: { GET: () => json({ flags: governance.flags() }) } },
    {
      path: '/v1/flags/:name',
      methods: {
        PUT: async (request) => {
          const name = request.params['name'] as string;
          if (!isFlagName(name)) {
            throw badRequest('invalid_flag_name', `flag name '${name.slice(0, 80)}' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
          }
          const body = bodyObject(await request.body(), ['value', 'by'], true);
          const value = requiredBoolean(body, 'value');
          const by = optionalString(body, 'by', MAX_ACTOR) ?? 'admin';
          await governance.setFlag(name, value, { by });
          return json({ flag: name, value });
        },
      },
    },
    {
      path: '/v1/approvals',
      query: ['state'],
      methods: {
        GET: async (request) => {
          const state = request.query.get('state');
          if (state !== undefined && !STATES.includes(state as ApprovalState)) {
            throw badRequest('invalid_query', `state must be one of ${STATES.join(', ')}, not '${state}'`);
          }
          const approvals = await governance.approvals(state as ApprovalState | undefined);
          return json({ approvals: approvals.map(publicApproval) });
        },
      },
    },
    { path: '/v1/approvals/:id/approve', methods: { POST: decide('approve') } },
    { path: '/v1/approvals/:id/deny', methods: { POST: decide('deny') } },
  ];
}

/** SPEC §7's pending-approval shape, plus the decision once there is one. */
function publicApproval(approval: Approval) {
  return {
    id: approval.id,
    agent: approval.agent,
    rule: approval.rule,
    method: approval.method,
    url: approval.url,
    body_bytes: approval.bodyBytes,
    body_sha256: approval.bodySha256,
    created_at: approval.createdAt,
    expires_at: approval.expiresAt,
    state: approval.state,
    decided_by: approval.decidedBy,
    comment: approval.comment,
    decided_at: approval.decidedAt,
  };
}
