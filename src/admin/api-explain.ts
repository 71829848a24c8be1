// `POST /v1/explain` (SPEC §7, §8): the `portcullis explain` evaluation against the config in
// force, with the live state the offline command cannot see: current flags (unless the body
// overrides them) and the kill switch.
import { isHttpUrl, parseInstant, parseMethod } from '../cli/args.ts';
import { evaluate, type Explanation } from '../cli/evaluate.ts';
import type { Suspension } from '../governance/types.ts';
import { badRequest } from './admin-error.ts';
import { requireAgent } from './api-agents.ts';
import type { AdminContext } from './context.ts';
import { bodyObject, describeJson, requiredString, type JsonObject } from './input.ts';
import { json, type Route } from './router.ts';

const MAX_URL = 8192;

export function explainRoutes(ctx: AdminContext): Route[] {
  return [{
    path: '/v1/explain',
    methods: {
      POST: async (request) => {
        const body = bodyObject(await request.body(), ['agent', 'method', 'url', 'flags', 'at'], true);
        const agentId = requiredString(body, 'agent', 256);
        const methodText = requiredString(body, 'method', 32);
        const method = parseMethod(methodText);
        if (method === null) throw badRequest('invalid_body', `'${methodText}' is not an HTTP method`);
        const url = requiredString(body, 'url', MAX_URL);
        if (!isHttpUrl(url)) throw badRequest('invalid_body', `'url' must be an absolute http:// or https:// URL, not '${url.slice(0, 200)}'`);
        const overrides = flagOverrides(body);
        const at = instant(body);
        const config = ctx.config();
        const agent = requireAgent(config, agentId);

        const now = at ?? ctx.now();
        const flag = (name: string): boolean => overrides.get(name) ?? ctx.governance.flag(name);
        const suspension = ctx.governance.suspension(agent.id);
        const result = withKillSwitch(evaluate(config, { agent: agent.id, method, url }, { now, flag }), agent.id, suspension);
        const { target } = result;
        return json({
          agent: agent.id,
          method,
          url,
          at: new Date(now).toISOString(),
          target: target && { scheme: target.scheme, host: target.host, port: target.port, path: target.path },
          decision: result.decision,
          code: result.code,
          rule: result.rule,
          message: result.message,
          policy_version: config.version,
          flag_overrides: Object.fromEntries(overrides),
          trace: result.trace,
        });
      },
    },
  }];
}

function flagOverrides(body: JsonObject): Map<string, boolean> {
  const flags = body['flags'];
  if (flags === undefined) return new Map();
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) {
    throw badRequest('invalid_body', `'flags' must be an object of flag name → true|false, not ${describeJson(flags)}`);
  }
  const out = new Map<string, boolean>();
  for (const [name, value] of Object.entries(flags)) {
    if (typeof value !== 'boolean') throw badRequest('invalid_body', `flag '${name}' must be true or false, not ${describeJson(value)}`);
    out.set(name, value);
  }
  return out;
}

function instant(body: JsonObject): number | null {
  if (body['at'] === undefined) return null;
  const text = requiredString(body, 'at', 64);
  const ms = parseInstant(text);
  if (ms === null) throw badRequest('invalid_body', `'at' must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, not '${text}'`);
  return ms;
}

/**
 * Offline, the kill switch is "n/a". Here it is known: a suspended agent is refused before any
 * rule is looked at (SPEC §2 order), so every later check is "not reached".
 */
function withKillSwitch(result: Explanation, agentId: string, suspension: Suspension | null): Explanation {
  // Only the offline placeholder is replaced: a `mode: disabled` agent already failed here.
  const index = result.trace.findIndex((step) => step.check === 'kill switch' && step.result === 'info');
  if (index === -1) return result;
  const who = suspension?.agent === '*' ? 'every agent is suspended (suspend-all)' : 'the agent is suspended';
  const step = suspension === null
    ? { check: 'kill switch', result: 'pass' as const, detail: 'not suspended (live state of this gateway)' }
    : { check: 'kill switch', result: 'fail' as const, detail: `${who} by ${suspension.by} at ${suspension.at}${suspension.reason ? `: ${suspension.reason}` : ''}` };
  if (suspension === null) return { ...result, trace: result.trace.map((s, i) => i === index ? step : s) };
  return {
    ...result,
    decision: 'deny',
    code: 'agent_suspended',
    rule: null,
    message: `agent '${agentId}' is suspended`,
    trace: [
      ...result.trace.slice(0, index),
      step,
      ...result.trace.slice(index + 1).map((s) => ({ check: s.check, result: 'skip' as const, detail: 'not reached' })),
    ],
  };
}
