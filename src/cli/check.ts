// `portcullis check [-c FILE] [--json]` (SPEC §8): load the config exactly as `start` would and
// print either a one-line summary or every located issue (`file:line:col: key.path: message`).
// Also the config loading of `explain` and `test`, which must fail the same way.
import { relative, isAbsolute } from 'node:path';
import type { CompiledConfig } from '../config/compiled.ts';
import { ConfigError, ConfigReadError, formatIssue, type ConfigIssue } from '../config/issues.ts';
import { loadConfig } from '../config/load.ts';
import { isPlainMap } from '../config/plain.ts';
import { CONFIG_OPTIONS, configFileOf, parseArgs } from './args.ts';

const USAGE = 'usage: portcullis check [-c FILE] [--json]';

export async function checkCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: CONFIG_OPTIONS, flags: ['--json'] });
  if ('error' in args || args.positionals.length > 0) {
    console.error(`portcullis check: ${'error' in args ? args.error : `unexpected argument '${args.positionals[0]}'`}\n${USAGE}`);
    return 2;
  }
  const file = configFileOf(args, process.env);
  const json = args.flags.has('--json');
  let config: CompiledConfig;
  try {
    config = await loadConfig(file, { env: process.env });
  } catch (err) {
    if (err instanceof ConfigReadError) {
      console.error(`portcullis check: ${err.message}`);
      return 2;
    }
    if (!(err instanceof ConfigError)) throw err;
    if (json) console.log(JSON.stringify({ ok: false, file, issues: err.issues }));
    else for (const issue of err.issues) console.error(formatIssue(displayed(issue)));
    return 1;
  }
  const agents = config.policy.agents.size;
  const rules = countRules(config.redacted);
  if (json) console.log(JSON.stringify({ ok: true, file, agents, rules, version: config.version }));
  else console.log(`ok: ${file} (${agents} ${agents === 1 ? 'agent' : 'agents'}, ${rules} ${rules === 1 ? 'rule' : 'rules'}, policy ${config.version})`);
  return 0;
}

/**
 * Loads the config for a command that needs a valid one (`explain`, `test`). An unreadable or
 * invalid config is unusable input there (exit 2), not a failed check: the caller returns
 * 2 on null.
 */
export async function loadConfigForCommand(command: string, file: string): Promise<CompiledConfig | null> {
  try {
    return await loadConfig(file, { env: process.env });
  } catch (err) {
    if (err instanceof ConfigReadError) console.error(`portcullis ${command}: ${err.message}`);
    else if (err instanceof ConfigError) {
      console.error(`portcullis ${command}: ${file} is not a valid config (run portcullis check):`);
      for (const issue of err.issues) console.error(formatIssue(displayed(issue)));
    } else throw err;
    return null;
  }
}

/** The issue with its file relative to the working directory when it lies below it. */
export function displayed(issue: ConfigIssue): ConfigIssue {
  const rel = relative(process.cwd(), issue.file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? issue : { ...issue, file: rel };
}

/** Rules as written (every policy's and every agent's own), from the loaded public view. */
function countRules(view: unknown): number {
  if (!isPlainMap(view)) return 0;
  let count = 0;
  for (const section of [view['policies'], view['agents']]) {
    if (!isPlainMap(section)) continue;
    for (const entry of Object.values(section)) {
      if (isPlainMap(entry) && Array.isArray(entry['rules'])) count += entry['rules'].length;
    }
  }
  return count;
}
