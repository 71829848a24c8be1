// `portcullis explain [-c FILE] --agent ID METHOD URL [--flag NAME=true|false]... [--at ISO] [--json]`
// (SPEC §8): the decision for a hypothetical request and the trace of every check. Exit 0 when
// allowed (or only reported), 1 when denied, 2 for usage errors and unusable input.
import type { CompiledConfig } from '../config/compiled.ts';
import type { TraceStep } from '../policy/types.ts';
import { CONFIG_OPTIONS, configFileOf, isHttpUrl, parseArgs, parseFlagAssignment, parseInstant, parseMethod } from './args.ts';
import { loadConfigForCommand } from './check.ts';
import { evaluate, type Explanation } from './evaluate.ts';

const USAGE = 'usage: portcullis explain [-c FILE] --agent ID METHOD URL [--flag NAME=true|false]... [--at ISO-TIME] [--json]';

export async function explainCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: [...CONFIG_OPTIONS, '--agent', '--at'], flags: ['--json'], lists: ['--flag'] });
  if ('error' in args) return usage(args.error);
  const agent = args.values['--agent'];
  if (agent === undefined || agent === '') return usage('--agent ID is required');
  if (args.positionals.length !== 2) return usage('expected METHOD and URL');
  const [methodText, url] = args.positionals as [string, string];
  const method = parseMethod(methodText);
  if (method === null) return usage(`'${methodText}' is not an HTTP method`);
  if (!isHttpUrl(url)) return usage(`'${url}' is not an absolute http:// or https:// URL`);
  const flags = new Map<string, boolean>();
  for (const text of args.lists['--flag'] ?? []) {
    const assignment = parseFlagAssignment(text);
    if (assignment === null) return usage(`--flag '${text}' must be NAME=true or NAME=false`);
    flags.set(...assignment);
  }
  const atText = args.values['--at'];
  const now = atText === undefined ? Date.now() : parseInstant(atText);
  if (now === null) return usage(`--at '${atText}' must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z`);

  const config = await loadConfigForCommand('explain', configFileOf(args, process.env));
  if (config === null) return 2;
  const result = evaluate(config, { agent, method, url }, { now, flag: (name) => flags.get(name) ?? false });

  if (args.flags.has('--json')) {
    console.log(JSON.stringify(toJson(config, agent, method, url, new Date(now).toISOString(), result)));
  } else {
    console.log(render(config, result));
  }
  return result.decision === 'deny' ? 1 : 0;
}

function usage(problem: string): number {
  console.error(`portcullis explain: ${problem}\n${USAGE}`);
  return 2;
}

function toJson(config: CompiledConfig, agent: string, method: string, url: string, at: string, result: Explanation): unknown {
  const { target } = result;
  return {
    agent,
    method,
    url,
    at,
    target: target && { scheme: target.scheme, host: target.host, port: target.port, path: target.path },
    decision: result.decision,
    code: result.code,
    rule: result.rule,
    message: result.message,
    policy_version: config.version,
    trace: result.trace,
  };
}

function render(config: CompiledConfig, result: Explanation): string {
  const decision = result.decision === 'report' ? `report (would be denied: ${result.code})` : result.decision;
  return [
    `decision: ${decision}`,
    `code:     ${result.code}`,
    `rule:     ${result.rule ?? '-'}`,
    `message:  ${result.message}`,
    `policy:   ${config.version}`,
    'trace:',
    ...renderTrace(result.trace),
  ].join('\n');
}

function renderTrace(trace: readonly TraceStep[]): string[] {
  const width = Math.max(...trace.map((step) => step.check.length));
  return trace.map((step, index) =>
    `  ${String(index + 1).padStart(2)}. ${step.check.padEnd(width)}  ${step.result.padEnd(4)}  ${step.detail}`);
}
