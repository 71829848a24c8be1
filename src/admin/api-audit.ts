// `GET /v1/audit` (SPEC §7): reads back the file or Redis Stream sink; see audit-query.ts for
// the filters, the cursor and the bound on work per request.
import type { Logger } from 'pino';
import { AdminError } from './admin-error.ts';
import { AUDIT_QUERY_PARAMS, parseAuditQuery, queryAudit } from './audit-query.ts';
import type { AdminContext } from './context.ts';
import { json, type Route } from './router.ts';

export function auditRoutes(ctx: AdminContext, log: Logger | null): Route[] {
  return [{
    path: '/v1/audit',
    query: AUDIT_QUERY_PARAMS,
    methods: {
      GET: async (request) => {
        const query = parseAuditQuery(request.query);
        const source = ctx.auditSource();
        if (source === null) {
          throw new AdminError(404, 'audit_not_readable', 'no file or redis-stream audit sink is configured; GET /v1/audit reads one of them');
        }
        try {
          return json(await queryAudit(source, query));
        } catch (err) {
          if (err instanceof AdminError) throw err;
          // The cause may name hosts or paths of the sink: it goes to the log, not the response.
          log?.warn({ err, source: source.key }, 'audit sink could not be read');
          throw new AdminError(503, 'audit_source_unavailable', `the ${source.key} audit sink cannot be read right now`);
        }
      },
    },
  }];
}
