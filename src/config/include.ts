// Reads the main config file and everything it includes (SPEC §4) into one merged tree with
// one source map. Include paths are relative to the including file; an include may include
// further files; a file reached twice through different parents is read once; a cycle is an
// issue naming the chain.
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { ConfigReadError, type ConfigIssue, type SourceLocation } from './issues.ts';
import { mergeInto, type Tree } from './merge.ts';
import { describeValue, isPlainMap } from './plain.ts';
import { parseYaml } from './yaml-source.ts';

export interface ConfigTree extends Tree {
  /** Absolute paths: the main file first, then includes in the order they were read. */
  readonly files: readonly string[];
  readonly issues: readonly ConfigIssue[];
  /** False when the main file itself is not a usable YAML map: nothing after it can be trusted. */
  readonly mainUsable: boolean;
}

interface IncludeEntry {
  readonly written: string;
  readonly file: string;
  readonly path: string;
  readonly loc: SourceLocation;
}

/** Throws ConfigReadError when the main file cannot be read; every other problem is an issue. */
export async function readConfigTree(mainFile: string): Promise<ConfigTree> {
  const main = resolve(mainFile);
  let text: string;
  try {
    text = await readFile(main, 'utf8');
  } catch (error) {
    throw new ConfigReadError(main, error);
  }

  const merged: Tree = { value: {}, source: { loc: { file: main, line: 1, column: 1 }, children: new Map() } };
  const files: string[] = [];
  const issues: ConfigIssue[] = [];
  const display = (file: string): string => relative(dirname(main), file) || file;
  const where = (loc: SourceLocation): string => `${display(loc.file)}:${loc.line}`;

  const visit = async (file: string, content: string, chain: readonly string[]): Promise<boolean> => {
    files.push(file);
    const parsed = parseYaml(content, file);
    issues.push(...parsed.issues);
    if (parsed.value === undefined) return false;
    // An empty file (or one whose every line is commented out) contributes nothing.
    const tree: Tree | null = parsed.value === null
      ? { value: {}, source: { loc: parsed.source.loc, children: new Map() } }
      : isPlainMap(parsed.value) ? { value: parsed.value, source: parsed.source } : null;
    if (tree === null) {
      issues.push({ ...parsed.source.loc, path: '(root)', message: `a config file must be a map of sections, got ${describeValue(parsed.value)}` });
      return false;
    }
    const includes = takeIncludes(tree, file, issues);
    issues.push(...mergeInto(merged, tree, where));

    for (const entry of includes) {
      if (chain.includes(entry.file)) {
        const cycle = [...chain.slice(chain.indexOf(entry.file)), entry.file].map(display).join(' → ');
        issues.push({ ...entry.loc, path: entry.path, message: `include cycle: ${cycle}` });
        continue;
      }
      if (files.includes(entry.file)) continue;
      let included: string;
      try {
        included = await readFile(entry.file, 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? String(error);
        issues.push({ ...entry.loc, path: entry.path, message: `cannot read included file '${entry.written}' (${entry.file}): ${reason}` });
        continue;
      }
      await visit(entry.file, included, [...chain, entry.file]);
    }
    return true;
  };

  const mainUsable = await visit(main, text, [main]);
  return { ...merged, files, issues, mainUsable };
}

/**
 * Removes `include` from a file's tree (each file's list is its own, not a merged leaf) and
 * returns its entries as absolute paths.
 */
function takeIncludes(tree: Tree, file: string, issues: ConfigIssue[]): IncludeEntry[] {
  if (!Object.hasOwn(tree.value, 'include')) return [];
  const list = tree.value['include'];
  const source = tree.source.children?.get('include') ?? tree.source;
  delete tree.value['include'];
  tree.source.children?.delete('include');
  if (!Array.isArray(list)) {
    issues.push({ ...source.loc, path: 'include', message: `must be a list of file names, got ${describeValue(list)}` });
    return [];
  }
  const entries: IncludeEntry[] = [];
  list.forEach((written: unknown, index) => {
    const loc = source.children?.get(index)?.loc ?? source.loc;
    if (typeof written !== 'string' || written === '') {
      issues.push({ ...loc, path: `include[${index}]`, message: `must be a file name, got ${describeValue(written)}` });
      return;
    }
    entries.push({ written, file: resolve(dirname(file), written), path: `include[${index}]`, loc });
  });
  return entries;
}
