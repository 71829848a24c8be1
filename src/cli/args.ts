// A small argv parser for the CLI (SPEC §8). Each command declares the options it accepts;
// anything else starting with `-` is a usage error (exit 2), so a typo such as `--jsno` is
// reported instead of silently becoming a positional argument.

export interface ArgSpec {
  /** Options that take a value (`-c FILE`, `--agent=ID`); the last occurrence wins. */
  readonly values: readonly string[];
  /** Boolean options (`--json`). */
  readonly flags: readonly string[];
  /** Options that take a value and may repeat (`--flag a=true --flag b=false`). */
  readonly lists?: readonly string[];
}

/** The options every config-reading command accepts. */
export const CONFIG_OPTIONS = ['-c', '--config'] as const;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string>>;
  readonly flags: ReadonlySet<string>;
  readonly lists: Readonly<Record<string, readonly string[]>>;
  readonly positionals: readonly string[];
}

/** Parses `argv` against `spec`; `{ error }` names the first problem, for a usage message. */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs | { error: string } {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const lists: Record<string, string[]> = {};
  const positionals: string[] = [];
  const takesList = new Set(spec.lists ?? []);
  const takesValue = new Set(spec.values);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (spec.flags.includes(name)) {
      if (eq !== -1) return { error: `option '${name}' takes no value` };
      flags.add(name);
      continue;
    }
    if (!takesValue.has(name) && !takesList.has(name)) return { error: `unknown option '${name}'` };
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) return { error: `option '${name}' needs a value` };
      value = next;
      i++;
    }
    if (takesList.has(name)) (lists[name] ??= []).push(value);
    else values[name] = value;
  }
  return { values, flags, lists, positionals };
}

/** SPEC §8: `-c FILE`, else `PORTCULLIS_CONFIG`, else `config/portcullis.yaml` (relative to cwd). */
export function configFileOf(args: ParsedArgs, env: NodeJS.ProcessEnv): string {
  const fromEnv = env['PORTCULLIS_CONFIG'];
  return args.values['-c'] ?? args.values['--config'] ?? (fromEnv === undefined || fromEnv === '' ? 'config/portcullis.yaml' : fromEnv);
}

// An instant needs its zone written out: `Date.parse` reads a zone-less date-time in the
// machine's local zone, which would make a schedule test pass on one laptop and fail in CI.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** `2026-01-05T09:30:00Z` / `…+01:00` → epoch ms; null for anything else. */
export function parseInstant(text: string): number | null {
  if (!ISO_INSTANT.test(text)) return null;
  const ms = Date.parse(text);
  // V8 rolls `02-30` over into March instead of refusing it.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(ms) || calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) return null;
  return ms;
}

/** `--flag freeze=true` → ['freeze', true]; null when not `name=true|false`. */
export function parseFlagAssignment(text: string): [string, boolean] | null {
  const m = /^([A-Za-z0-9_.-]+)=(true|false)$/.exec(text);
  return m ? [m[1] as string, m[2] === 'true'] : null;
}

/** An HTTP method token (`get` → `GET`); null for anything else. */
export function parseMethod(text: string): string | null {
  return /^[A-Za-z]+$/.test(text) ? text.toUpperCase() : null;
}

/**
 * True for `http://…` / `https://…` with an authority. Only the shape is checked here: what
 * the authority and path mean (and whether they are ambiguous) is `targetFromUrl`'s job, so
 * that explain and the gateway refuse the same URLs for the same reasons.
 */
export function isHttpUrl(text: string): boolean {
  return /^https?:\/\/[^/?#\s]+(?:[/?#]\S*)?$/i.test(text);
}
