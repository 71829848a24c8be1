// Agents and the kill switch (SPEC §7): `GET /v1/agents`, `POST /v1/agents/{id}/suspend|resume`,
// `POST /v1/suspend-all|resume-all`. Only configured agents can be named; the suspension itself
// lives in the store, so every replica obeys it (and closes the agent's tunnels).
import type { CompiledAgent } from '../policy/types.ts';
import type { CompiledConfig } from '../config/compiled.ts';
import { didYouMean } from '../config/suggest.ts';
import { ALL_AGENTS } from '../governance/names.ts';
import type { Suspension } from '../governance/types.ts';
import type { BudgetState } from '../limits/types.ts';
import { AdminError } from './admin-error.ts';
import type { AdminContext } from './context.ts';
import { bodyObject, optionalString } from './input.ts';
import { remainingUsd } from './metrics.ts';
import { json, type AdminRequest, type Route } from './router.ts';

const MAX_REASON = 500;
const MAX_ACTOR = 100;
const DEFAULT_ACTOR = 'admin';

export function agentRoutes(ctx: AdminContext): Route[] {
  const { governance } = ctx;
  return [
    { path: '/v1/agents', methods: { GET: () => listAgents(ctx) } },
    {
      path: '/v1/agents/:id/suspend',
      methods: {
        POST: async (request) => {
          const agent = requireAgent(ctx.config(), request.params['id'] as string);
          return suspend(ctx, agent.id, request);
        },
      },
    },
    {
      path: '/v1/agents/:id/resume',
      methods: {
        POST: async (request) => {
          const agent = requireAgent(ctx.config(), request.params['id'] as string);
          const { by } = await actorBody(request);
          await governance.resume(agent.id, { by });
          const all = allSuspension(ctx);
          return json({
            agent: agent.id,
            suspended: all !== null,
            ...(all === null ? {} : { message: `'${agent.id}' is resumed, but suspend-all is still in force` }),
          });
        },
      },
    },
    { path: '/v1/suspend-all', methods: { POST: (request) => suspend(ctx, ALL_AGENTS, request) } },
    {
      path: '/v1/resume-all',
      methods: {
        POST: async (request) => {
          const { by } = await actorBody(request);
          await governance.resume(ALL_AGENTS, { by });
          const still = governance.suspensions().filter((s) => s.agent !== ALL_AGENTS).map((s) => s.agent).sort();
          return json({ agent: ALL_AGENTS, suspended: false, suspended_agents: still });
        },
      },
    },
  ];
}

/** The configured agent `id`, or 404 `unknown_agent` with the nearest id as a hint. */
export function requireAgent(config: CompiledConfig, id: string): CompiledAgent {
  const agent = config.policy.agents.get(id);
  if (agent === undefined) {
    throw new AdminError(404, 'unknown_agent', `no agent '${id}' is configured${didYouMean(id, config.policy.agents.keys())}`);
  }
  return agent;
}

async function actorBody(request: AdminRequest, extra: readonly string[] = []): Promise<{ by: string; body: Readonly<Record<string, unknown>> }> {
  const body = bodyObject(await request.body(), ['by', ...extra]);
  return { by: optionalString(body, 'by', MAX_ACTOR) ?? DEFAULT_ACTOR, body };
}

async function suspend(ctx: AdminContext, agent: string, request: AdminRequest) {
  const { by, body } = await actorBody(request, ['reason']);
  const reason = optionalString(body, 'reason', MAX_REASON);
  await ctx.governance.suspend(agent, { by }, reason);
  ctx.metrics.suspension(agent, by);
  return json({ agent, suspended: true, reason, by });
}

function allSuspension(ctx: AdminContext): Suspension | null {
  return ctx.governance.suspensions().find((s) => s.agent === ALL_AGENTS) ?? null;
}

async function listAgents(ctx: AdminContext) {
  const config = ctx.config();
  const agents = [...config.policy.agents.values()].sort((a, b) => a.id.localeCompare(b.id));
  const budgets = await Promise.all(agents.map((agent) => ctx.budgets(agent.id)));
  return json({
    suspended_all: publicSuspension(allSuspension(ctx)),
    agents: agents.map((agent, i) => {
      const states = budgets[i] as readonly BudgetState[];
      ctx.metrics.budgets(agent.id, states);
      const suspension = ctx.governance.suspension(agent.id);
      return {
        id: agent.id,
        team: agent.team,
        mode: agent.mode,
        suspended: suspension !== null,
        suspension: publicSuspension(suspension),
        open_tunnels: ctx.openTunnels(agent.id),
        budgets: states.map((state) => ({
          id: state.id,
          owner: state.owner,
          spent_usd: state.spentUsd,
          reserved_usd: state.reservedUsd,
          limit_usd: state.limitUsd,
          remaining_usd: remainingUsd(state),
          resets_at: state.resetsAt,
        })),
      };
    }),
  });
}

function publicSuspension(suspension: Suspension | null) {
  return suspension === null ? null : { agent: suspension.agent, reason: suspension.reason, by: suspension.by, at: suspension.at };
}
