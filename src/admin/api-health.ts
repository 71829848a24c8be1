// The unauthenticated endpoints (SPEC §7): liveness, readiness and Prometheus metrics. They say
// whether the gateway works, never how it is configured.
import type { AdminContext } from './context.ts';
import { json, type Route } from './router.ts';

type Check = 'config' | 'listeners' | 'store' | 'audit';

export function healthRoutes(ctx: AdminContext): Route[] {
  return [
    { path: '/healthz', methods: { GET: () => json({ status: 'ok' }) } },
    { path: '/readyz', methods: { GET: () => readiness(ctx) } },
    {
      path: '/metrics',
      methods: {
        GET: async () => ({ status: 200, text: await ctx.metrics.registry.metrics(), contentType: ctx.metrics.registry.contentType }),
      },
    },
  ];
}

function readiness(ctx: AdminContext) {
  const health = ctx.health();
  // An unavailable audit sink only makes the replica unready when traffic depends on it.
  const auditRequired = health.configLoaded && ctx.config().audit.required;
  // Likewise the store: with `store.on_error: allow` traffic flows without it, and pulling every
  // replica out of the Service would turn a degraded gateway into an unreachable one.
  const storeRequired = !health.configLoaded || ctx.config().store.onError === 'deny';
  const checks: Record<Check, 'ok' | 'failing' | 'not required'> = {
    config: health.configLoaded ? 'ok' : 'failing',
    listeners: health.listening ? 'ok' : 'failing',
    store: health.storeHealthy ? 'ok' : storeRequired ? 'failing' : 'not required',
    audit: health.auditAvailable ? 'ok' : auditRequired ? 'failing' : 'not required',
  };
  const failed = (Object.keys(checks) as Check[]).filter((check) => checks[check] === 'failing');
  return failed.length === 0
    ? json({ status: 'ready', checks })
    : json({ status: 'not_ready', failed, checks }, 503);
}
