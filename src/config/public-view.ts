// The public view of a resolved config: what GET /v1/policy and `explain` show and what the
// policy version is computed from (SPEC §4: "secrets never appear in logs, audit records or
// the admin API"). A secret-bearing string is shown as written (`Bearer ${secret:openai}`),
// so the view still says where a value comes from without carrying it; a secret written
// literally into the file is shown as `[redacted]`.
import type { KeyPath } from './issues.ts';
import { isPlainMap, setOwn, type PlainMap } from './plain.ts';

export const REDACTED = '[redacted]';

/** Key of the `masked` map: the key path as JSON (dotted text is ambiguous for keys with dots). */
export function maskKey(path: KeyPath): string {
  return JSON.stringify(path);
}

/**
 * Keys whose values are credentials even when written without `${secret:…}`: the admin
 * token, the store URL (may carry a password), audit sink URLs and headers, injected headers,
 * and every value of the `secrets` map.
 */
export function isSensitivePath(path: KeyPath): boolean {
  const [first, second, , fourth] = path;
  const n = path.length;
  if (first === 'secrets' && n === 2) return true;
  if (first === 'listen' && second === 'admin' && path[2] === 'token' && n === 3) return true;
  if (first === 'store' && second === 'url' && n === 2) return true;
  if (first === 'audit' && second === 'sinks') {
    if (fourth === 'url' && n === 4) return true;
    if (fourth === 'headers' && n === 5) return true;
  }
  return n >= 3 && path[n - 3] === 'inject' && path[n - 2] === 'headers';
}

/** A copy of `value` with every masked string replaced by its public text. */
export function publicView(value: unknown, masked: ReadonlyMap<string, string>, path: (string | number)[] = []): unknown {
  if (typeof value === 'string') return masked.get(maskKey(path)) ?? value;
  if (Array.isArray(value)) return value.map((item, index) => publicView(item, masked, [...path, index]));
  if (isPlainMap(value)) {
    const out: PlainMap = {};
    for (const [key, child] of Object.entries(value)) setOwn(out, key, publicView(child, masked, [...path, key]));
    return out;
  }
  return value;
}
