// Deep merge of included files into the main one (SPEC §4). Maps merge key by key; lists and
// scalars are leaves, and a leaf may be set in one file only: "finance's file cannot silently
// override security's". Nothing is overridden, so the order of includes never matters.
import { formatKeyPath, type ConfigIssue, type SourceLocation } from './issues.ts';
import { isPlainMap, setOwn, type PlainMap } from './plain.ts';
import type { SourceNode } from './source-map.ts';

export interface Tree {
  readonly value: PlainMap;
  readonly source: SourceNode;
}

/**
 * Grafts `incoming` into `target` (both mutated in place: target's value and source map
 * grow). Returns one issue per key set in both, located at the later definition and naming
 * the earlier one through `where`.
 */
export function mergeInto(target: Tree, incoming: Tree, where: (loc: SourceLocation) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (into: PlainMap, intoSource: SourceNode, from: PlainMap, fromSource: SourceNode, path: string[]): void => {
    for (const [key, value] of Object.entries(from)) {
      const fromChild = fromSource.children?.get(key) ?? fromSource;
      const intoChild = intoSource.children?.get(key);
      if (!Object.hasOwn(into, key) || intoChild === undefined) {
        setOwn(into, key, value);
        intoSource.children?.set(key, fromChild);
        continue;
      }
      const existing = into[key];
      if (isPlainMap(existing) && isPlainMap(value)) {
        walk(existing, intoChild, value, fromChild, [...path, key]);
        continue;
      }
      const keyPath = formatKeyPath([...path, key]);
      issues.push({
        ...fromChild.loc,
        path: keyPath,
        message: `'${keyPath}' is already set in ${where(intoChild.loc)}; a key may be set in one file only, included files cannot override each other`,
      });
    }
  };
  walk(target.value, target.source, incoming.value, incoming.source, []);
  return issues;
}
