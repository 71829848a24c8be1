// Relative file paths in the config resolve against the directory of the file that names
// them (SPEC §4), so `certs/proxy.crt` in an included file means that file's neighbour, not
// the gateway's working directory.
import { dirname, isAbsolute, resolve } from 'node:path';
import type { KeyPath, Locator } from './issues.ts';
import { isPlainMap, type PlainMap } from './plain.ts';

// '*' stands for every index of a list.
const PATH_KEYS: readonly (readonly string[])[] = [
  ['listen', 'proxy', 'tls', 'cert'],
  ['listen', 'proxy', 'tls', 'key'],
  ['listen', 'proxy', 'tls', 'client_ca'],
  ['listen', 'proxy', 'tls', 'crl'],
  ['interception', 'ca_cert'],
  ['interception', 'ca_key'],
  ['interception', 'upstream_ca', '*'],
  ['audit', 'sinks', '*', 'path'],
];

/** Rewrites, in place, every relative path of a schema-valid document to an absolute one. */
export function resolveRelativePaths(document: PlainMap, locate: Locator): void {
  for (const pattern of PATH_KEYS) visit(document, pattern, [], locate);
}

function visit(node: unknown, rest: readonly string[], path: (string | number)[], locate: Locator): void {
  const [head, ...tail] = rest;
  if (head === undefined) return;
  if (head === '*') {
    if (Array.isArray(node)) node.forEach((item, index) => visitLeaf(node, index, item, tail, [...path, index], locate));
    return;
  }
  if (isPlainMap(node) && Object.hasOwn(node, head)) visitLeaf(node, head, node[head], tail, [...path, head], locate);
}

function visitLeaf(
  parent: PlainMap | unknown[],
  key: string | number,
  value: unknown,
  rest: readonly string[],
  path: KeyPath,
  locate: Locator,
): void {
  if (rest.length > 0) {
    visit(value, rest, [...path], locate);
    return;
  }
  if (typeof value !== 'string' || isAbsolute(value)) return;
  const absolute = resolve(dirname(locate(path).file), value);
  if (Array.isArray(parent)) parent[key as number] = absolute;
  else parent[key as string] = absolute;
}
