// Per-agent host index behind `CompiledAgent.rulesFor` (SPEC §4 matching rules). Built once at
// load; a lookup is one exact-name hash probe, then one probe per parent domain
// (a.b.example.com → *.b.example.com → *.example.com → *.com), so its cost depends on the
// depth of the name, never on how many rules, hosts or agents the config has.
//
// Every list is complete and in config order when it is built: an exact entry already holds the
// wildcard rules of every parent domain, and a wildcard entry those of its own parents, so the
// first probe that hits answers the lookup without merging anything per request.
import type { CompiledRule } from './types.ts';
import type { HostPattern } from './host-pattern.ts';

export interface IndexedRule {
  readonly rule: CompiledRule;
  readonly patterns: readonly HostPattern[];
}

type PortLists = ReadonlyMap<number, readonly CompiledRule[]>;
/** port → positions (in the agent's rule order) of the rules an entry names. */
type PortPositions = Map<number, number[]>;

const EMPTY: readonly CompiledRule[] = Object.freeze([]);

/** `a.b.example.com` → `b.example.com`, `example.com`, `com`. */
function parents(name: string): string[] {
  const out: string[] = [];
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) out.push(name.slice(dot + 1));
  return out;
}

function add(into: Map<string, PortPositions>, name: string, port: number, position: number): void {
  let ports = into.get(name);
  if (ports === undefined) into.set(name, (ports = new Map()));
  const positions = ports.get(port);
  if (positions === undefined) ports.set(port, [position]);
  else if (positions.at(-1) !== position) positions.push(position);
}

function merge(rules: readonly IndexedRule[], sources: readonly (PortPositions | undefined)[]): PortLists {
  const byPort = new Map<number, Set<number>>();
  for (const source of sources) {
    if (source === undefined) continue;
    for (const [port, positions] of source) {
      let set = byPort.get(port);
      if (set === undefined) byPort.set(port, (set = new Set()));
      for (const position of positions) set.add(position);
    }
  }
  const lists = new Map<number, readonly CompiledRule[]>();
  for (const [port, set] of byPort) {
    const ordered = [...set].sort((a, b) => a - b).map((position) => (rules[position] as IndexedRule).rule);
    lists.set(port, Object.freeze(ordered));
  }
  return lists;
}

/** Builds `rulesFor(host, port)` over an agent's rules, given in config order. */
export function buildHostIndex(rules: readonly IndexedRule[]): (host: string, port: number) => readonly CompiledRule[] {
  const exactNames = new Map<string, PortPositions>();
  const wildNames = new Map<string, PortPositions>();
  for (const [position, { patterns }] of rules.entries()) {
    for (const pattern of patterns) {
      for (const port of pattern.ports) add(pattern.wildcard ? wildNames : exactNames, pattern.name, port, position);
    }
  }

  const exact = new Map<string, PortLists>();
  for (const [name, own] of exactNames) {
    // An IP literal matches only rules that name it: no parent-domain wildcards.
    const inherited = name.includes(':') || /^[0-9.]+$/.test(name) ? [] : parents(name).map((p) => wildNames.get(p));
    exact.set(name, merge(rules, [own, ...inherited]));
  }
  const wild = new Map<string, PortLists>();
  for (const [name, own] of wildNames) wild.set(name, merge(rules, [own, ...parents(name).map((p) => wildNames.get(p))]));

  return (host, port) => {
    const hit = exact.get(host);
    if (hit !== undefined) return hit.get(port) ?? EMPTY;
    // No wildcard suffix ends in a numeric label (host-pattern.ts refuses them), so an IPv4
    // literal walks its parents without a hit; an IPv6 literal has no '.' to walk.
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const lists = wild.get(host.slice(dot + 1));
      if (lists !== undefined) return lists.get(port) ?? EMPTY;
    }
    return EMPTY;
  };
}
