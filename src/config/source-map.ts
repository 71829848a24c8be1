// Where every key of a config tree was written. Built while parsing each YAML file and
// grafted together by the include merge, so a key from an included file keeps pointing at
// that file and line.
import type { Locator, SourceLocation } from './issues.ts';

export interface SourceNode {
  readonly loc: SourceLocation;
  /** Map keys or sequence indexes → their nodes; null for scalars. */
  readonly children: Map<string | number, SourceNode> | null;
}

/**
 * A path that goes past what was written (a missing key, a compiled default) is located at
 * its deepest written ancestor: "missing required key 'port'" points at the `proxy:` line.
 */
export function locatorFor(root: SourceNode): Locator {
  return (path) => {
    let node = root;
    for (const part of path) {
      const next = node.children?.get(part);
      if (next === undefined) break;
      node = next;
    }
    return node.loc;
  };
}
