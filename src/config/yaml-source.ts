// One YAML file → a plain value plus a source map (key path → file, line, column). We walk
// the `yaml` AST ourselves instead of calling toJS() because toJS() forgets where each key
// was written, and SPEC §4 wants every error to name its line.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { formatKeyPath, type ConfigIssue, type SourceLocation } from './issues.ts';
import { setOwn, type PlainMap } from './plain.ts';
import type { SourceNode } from './source-map.ts';

export interface ParsedYaml {
  /** Undefined when the file has YAML errors (its issues say why). */
  readonly value: unknown;
  readonly source: SourceNode;
  readonly issues: readonly ConfigIssue[];
}

// Aliases are expanded into the tree; a cap stops a "billion laughs" file from expanding
// into billions of nodes.
const MAX_ALIAS_EXPANSIONS = 1_000;

type Path = (string | number)[];

export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const rootLoc = doc.contents?.range ? at(doc.contents.range[0]) : { file, line: 1, column: 1 };

  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error): ConfigIssue => {
      const path = pathAt(doc.contents, error.pos[0]);
      const message = error.code === 'DUPLICATE_KEY'
        ? `duplicate key '${String(path.at(-1) ?? '')}': a YAML map may set each key once`
        : `YAML syntax error: ${error.message}`;
      return { ...at(error.pos[0]), path: formatKeyPath(path), message };
    });
    return { value: undefined, source: { loc: rootLoc, children: null }, issues };
  }

  const issues: ConfigIssue[] = [];
  let aliasExpansions = 0;
  // Alias.resolve() searches the document; each alias node is resolved once however often
  // it is expanded.
  const aliasTargets = new Map<unknown, unknown>();

  const build = (node: unknown, loc: SourceLocation, path: Path, expanding: Set<unknown>): { value: unknown; source: SourceNode } => {
    if (isAlias(node)) {
      if (!aliasTargets.has(node)) aliasTargets.set(node, node.resolve(doc as Document));
      const target = aliasTargets.get(node);
      aliasExpansions++;
      if (target === undefined || expanding.has(target) || aliasExpansions > MAX_ALIAS_EXPANSIONS) {
        if (aliasExpansions <= MAX_ALIAS_EXPANSIONS + 1) {
          issues.push({ ...loc, path: formatKeyPath(path), message: `alias *${node.source} cannot be expanded (unknown, circular, or too many aliases)` });
        }
        return { value: null, source: { loc, children: null } };
      }
      return build(target, loc, path, new Set(expanding).add(target));
    }
    if (isMap(node)) {
      const value: PlainMap = {};
      const children = new Map<string | number, SourceNode>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyLoc = isScalar(pair.key) && pair.key.range ? at(pair.key.range[0]) : loc;
        if (!isScalar(pair.key) || pair.key.value === null || typeof pair.key.value === 'object') {
          issues.push({ ...keyLoc, path: formatKeyPath(path), message: 'map keys must be plain words or strings' });
          continue;
        }
        const key = String(pair.key.value);
        const child = build(pair.value, keyLoc, [...path, key], expanding);
        setOwn(value, key, child.value);
        children.set(key, child.source);
      }
      return { value, source: { loc, children } };
    }
    if (isSeq(node)) {
      const value: unknown[] = [];
      const children = new Map<string | number, SourceNode>();
      node.items.forEach((item, index) => {
        const itemLoc = isNodeWithRange(item) ? at(item.range[0]) : loc;
        const child = build(item, itemLoc, [...path, index], expanding);
        value.push(child.value);
        children.set(index, child.source);
      });
      return { value, source: { loc, children } };
    }
    if (isScalar(node)) return { value: node.value, source: { loc, children: null } };
    return { value: null, source: { loc, children: null } };
  };

  const root = build(doc.contents, rootLoc, [], new Set());
  return { value: issues.length > 0 ? undefined : root.value, source: root.source, issues };
}

function isNodeWithRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}

/** The key path of the deepest map entry or list item whose text contains `offset`. */
function pathAt(node: unknown, offset: number, path: Path = []): Path {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (contains(pair.key, offset)) return [...path, key];
      if (contains(pair.value, offset)) return pathAt(pair.value, offset, [...path, key]);
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      if (contains(item, offset)) return pathAt(item, offset, [...path, index]);
    }
  }
  return path;
}

function contains(node: unknown, offset: number): boolean {
  return isNodeWithRange(node) && node.range[0] <= offset && offset < node.range[2];
}
