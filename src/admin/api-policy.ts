// `GET /v1/policy` and `POST /v1/reload` (SPEC §7): the effective config with secret values
// redacted, and a validated reload that keeps the old config when the new one is invalid.
import { AdminError } from './admin-error.ts';
import type { AdminContext } from './context.ts';
import { bodyObject } from './input.ts';
import { json, type Route } from './router.ts';

export function policyRoutes(ctx: AdminContext): Route[] {
  return [
    {
      path: '/v1/policy',
      methods: {
        GET: () => {
          const config = ctx.config();
          return json({ version: config.version, config: config.redacted });
        },
      },
    },
    {
      path: '/v1/reload',
      methods: {
        POST: async (request) => {
          bodyObject(await request.body(), []);
          const previous = ctx.config().version;
          const outcome = await ctx.reload();
          if (!outcome.ok) {
            // The request was fine; the files on disk are not. The issues locate each problem.
            throw new AdminError(422, 'config_invalid',
              `the new config is invalid (${outcome.issues.length} ${outcome.issues.length === 1 ? 'issue' : 'issues'}); version ${previous} stays in force`,
              { details: { issues: outcome.issues.map(({ file, line, column, path, message }) => ({ file, line, column, path, message })) } });
          }
          return json({ reloaded: true, version: outcome.version, previous_version: previous, changed: outcome.version !== previous });
        },
      },
    },
  ];
}
