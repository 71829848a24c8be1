// `network` → the destination check's inputs (SPEC §4): deny/allow CIDRs parsed once, and
// the static resolve map keyed by the same normalised names the policy matches on.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parseCidr, type Cidr } from '../destination/cidr.ts';
import type { CompiledConfig } from './compiled.ts';
import { issueAt, type ConfigIssue, type Locator } from './issues.ts';
import type { ConfigFile } from './schema.ts';

type NetworkSpec = NonNullable<ConfigFile['network']>;

export function compileNetwork(spec: NetworkSpec | undefined, locate: Locator): { network: CompiledConfig['network']; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const cidrs = (key: 'deny_cidrs' | 'allow_cidrs', list: readonly string[], allowDefaultWord: boolean): { cidrs: Cidr[]; useDefault: boolean } => {
    const out: Cidr[] = [];
    let useDefault = false;
    list.forEach((text, index) => {
      if (allowDefaultWord && text === 'default') {
        useDefault = true;
        return;
      }
      const cidr = parseCidr(text);
      if (typeof cidr === 'string') issues.push(issueAt(locate, ['network', key, index], cidr));
      else out.push(cidr);
    });
    return { cidrs: out, useDefault };
  };

  // Omitting deny_cidrs means the built-in list: an SSRF guard must be opted out of, not into.
  const denySpec = spec?.deny_cidrs ?? 'default';
  const deny = denySpec === 'default' ? { cidrs: [], useDefault: true } : cidrs('deny_cidrs', denySpec, true);
  const allow = cidrs('allow_cidrs', spec?.allow_cidrs ?? [], false);

  const resolve = new Map<string, readonly string[]>();
  const writtenAs = new Map<string, string>();
  for (const [name, value] of Object.entries(spec?.resolve ?? {})) {
    const path = ['network', 'resolve', name];
    const host = normalizeHostName(name);
    if (host === null) {
      issues.push(issueAt(locate, path, `'${name}' is not a valid host name`));
      continue;
    }
    const earlier = writtenAs.get(host);
    if (earlier !== undefined) {
      issues.push(issueAt(locate, path, `'${name}' is the same host as '${earlier}' (names are compared lower-case, without a trailing dot, in punycode)`));
      continue;
    }
    writtenAs.set(host, name);
    const addresses = Array.isArray(value) ? value : [value];
    const bad = addresses
      .map((address, index) => ({ address, index }))
      .filter(({ address }) => isIP(address) === 0);
    for (const { address, index } of bad) {
      const at = Array.isArray(value) ? [...path, index] : path;
      issues.push(issueAt(locate, at, `must be an IP address (resolved addresses are literal, never looked up), got '${address}'`));
    }
    if (bad.length === 0) resolve.set(host, addresses);
  }

  return {
    network: { useDefaultDeny: deny.useDefault, denyCidrs: deny.cidrs, allowCidrs: allow.cidrs, resolve },
    issues,
  };
}

/** The SPEC §4 host normalisation: lower-case, no trailing dot, IDN in punycode; null when invalid. */
function normalizeHostName(name: string): string | null {
  const trimmed = name.toLowerCase().replace(/\.$/, '');
  if (trimmed === '') return null;
  const ascii = domainToASCII(trimmed);
  return ascii === '' ? null : ascii;
}
