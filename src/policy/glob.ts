// Path globs (SPEC §4), compiled once at load; the request path is already normalised
// (normalize.ts), so matching is plain string work on it.
//
// A segment is the text after a `/` up to the next one. In a pattern:
//   `**`  a whole segment: any number of segments, zero included (`/a/**` matches `/a`, `/a/`, `/a/b/c`)
//   `*`   a whole segment: exactly one non-empty segment (`/a/*` matches `/a/b`, not `/a/` nor `/a/b/c`)
//   `*` inside a segment: any run of characters within that segment (`/v1/*.json` matches `/v1/x.json`)
// Everything else is literal, compared after the same normalisation as request paths, so
// `/a//b` matches only `/a//b`. A pattern that could never match a normalised path (`?`, dot
// segments, `***`, `**` inside a segment) is a config error, not a silent never-match.
//
// No regex: the agent controls the path, and a backtracking regex for `/**/a/**/b` is
// polynomial in the number of segments. The matcher below is the classic wildcard walk
// (remember the last `**`, retry one segment further), O(segments × tokens) at worst.
import { GatewayError } from '../errors.ts';
import { normalizePath } from './normalize.ts';

export type PathMatcher = (path: string) => boolean;

const ANY = 0;
const ONE = 1;
const LITERAL = 2;
const WILD = 3;

type Token =
  | { readonly kind: typeof ANY }
  | { readonly kind: typeof ONE }
  | { readonly kind: typeof LITERAL; readonly text: string }
  /** `parts` = the segment split on `*`: first is a prefix, last a suffix, the rest in order. */
  | { readonly kind: typeof WILD; readonly parts: readonly string[]; readonly minLength: number };

const ANY_TOKEN: Token = { kind: ANY };
const ONE_TOKEN: Token = { kind: ONE };

function tokenize(pattern: string): Token[] {
  if (!pattern.startsWith('/')) throw new Error(`path glob '${pattern}' must start with '/'`);
  if (pattern.includes('?')) throw new Error(`path glob '${pattern}' contains '?': paths are matched without the query`);
  let normal: string;
  try {
    normal = normalizePath(pattern);
  } catch (err) {
    if (err instanceof GatewayError) throw new Error(`path glob '${pattern}' can never match: ${err.message}`);
    throw err;
  }
  const tokens: Token[] = [];
  for (const segment of normal.slice(1).split('/')) {
    if (segment === '**') {
      // `/**/**` says no more than `/**`.
      if (tokens.at(-1) !== ANY_TOKEN) tokens.push(ANY_TOKEN);
    } else if (segment.includes('**')) {
      throw new Error(`path glob '${pattern}': '**' must be a whole segment, '${segment}' is not`);
    } else if (segment === '*') {
      tokens.push(ONE_TOKEN);
    } else if (segment.includes('*')) {
      const parts = segment.split('*');
      tokens.push({ kind: WILD, parts, minLength: parts.join('').length });
    } else {
      tokens.push({ kind: LITERAL, text: segment });
    }
  }
  return tokens;
}

function wildMatches(parts: readonly string[], minLength: number, path: string, start: number, end: number): boolean {
  if (end - start < minLength) return false;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!path.startsWith(first, start) || !path.endsWith(last, end)) return false;
  // Leftmost placement of each middle part is optimal: it leaves the most room for the rest.
  let at = start + first.length;
  const limit = end - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const found = path.indexOf(part, at);
    if (found === -1 || found + part.length > limit) return false;
    at = found + part.length;
  }
  return true;
}

function segmentMatches(token: Token, path: string, start: number, end: number): boolean {
  switch (token.kind) {
    case ONE: return end > start;
    case LITERAL: return end - start === token.text.length && path.startsWith(token.text, start);
    case WILD: return wildMatches(token.parts, token.minLength, path, start, end);
    default: return false;
  }
}

function segmentEnd(path: string, start: number): number {
  const slash = path.indexOf('/', start);
  return slash === -1 ? path.length : slash;
}

function matchTokens(tokens: readonly Token[], path: string): boolean {
  let t = 0;
  let start = 1;
  let starToken = -1;
  let starStart = 0;
  while (start <= path.length) {
    const token = tokens[t];
    if (token === ANY_TOKEN) {
      starToken = t++;
      starStart = start;
      continue;
    }
    const end = segmentEnd(path, start);
    if (token !== undefined && segmentMatches(token, path, start, end)) {
      t++;
      start = end + 1;
    } else if (starToken !== -1) {
      t = starToken + 1;
      starStart = segmentEnd(path, starStart) + 1;
      start = starStart;
    } else {
      return false;
    }
  }
  while (tokens[t] === ANY_TOKEN) t++;
  return t === tokens.length;
}

/**
 * Compiles a rule's `paths` into one matcher: literal patterns go in a Set, the rest are
 * tried in order. Returns the index and message of the first bad pattern instead.
 */
export function compileGlobs(patterns: readonly string[]): PathMatcher | { index: number; message: string } {
  const exact = new Set<string>();
  const globs: Token[][] = [];
  for (const [index, pattern] of patterns.entries()) {
    try {
      const tokens = tokenize(pattern);
      if (tokens.every((token) => token.kind === LITERAL)) exact.add(normalizePath(pattern));
      else globs.push(tokens);
    } catch (err) {
      return { index, message: (err as Error).message };
    }
  }
  if (globs.length === 0) return (path) => exact.has(path);
  return (path) => {
    if (exact.has(path)) return true;
    for (const tokens of globs) if (matchTokens(tokens, path)) return true;
    return false;
  };
}
