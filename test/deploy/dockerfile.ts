// Just enough of the Dockerfile and .dockerignore formats to check what the image runs and
// what never enters the build context (no Docker engine here to ask).

export interface Stage {
  readonly from: string;
  readonly name: string | null;
  /** Instructions in order, continuation lines joined: [KEYWORD, arguments]. */
  readonly instructions: readonly (readonly [string, string])[];
}

export function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: { from: string; name: string | null; instructions: [string, string][] }[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: m?.[1] ?? args, name: m?.[2] ?? null, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push([keyword.toUpperCase(), args]);
    }
  }
  return stages;
}

/** The exec-form argument of the stage's last KEYWORD (ENTRYPOINT, CMD), or null. */
export function execForm(stage: Stage, keyword: string): string[] | null {
  const found = stage.instructions.filter(([k]) => k === keyword).at(-1);
  if (found === undefined) return null;
  const parsed: unknown = JSON.parse(found[1]);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${keyword} is not in exec form`);
  return parsed;
}

/** Whether .dockerignore's patterns keep `path` (relative, with /) out of the build context. */
export function isIgnored(dockerignore: string, path: string): boolean {
  let ignored = false;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
    // A pattern that matches a directory excludes everything under it.
    const parts = path.split('/');
    const matched = parts.some((_, i) => globToRegExp(pattern).test(parts.slice(0, i + 1).join('/')));
    if (matched) ignored = !negated;
  }
  return ignored;
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
