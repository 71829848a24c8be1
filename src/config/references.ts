// Resolves `${env:…}`, `${file:…}` and `${secret:…}` in every string value of the merged
// tree (SPEC §4; syntax in template.ts). Map keys are never resolved. Secrets resolve first
// and may use env and file references only, so there is no order to get wrong and no cycle.
// Alongside the resolved tree it records, per secret-bearing string, the text the public
// view shows instead (public-view.ts).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatKeyPath, issueAt, type ConfigIssue, type KeyPath, type Locator } from './issues.ts';
import { isPlainMap, setOwn, type PlainMap } from './plain.ts';
import { isSensitivePath, maskKey, REDACTED } from './public-view.ts';
import { didYouMean } from './suggest.ts';
import { parseTemplate, type Reference } from './template.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolvedTree {
  readonly value: PlainMap;
  /** maskKey(path) → the public text of that string. */
  readonly masked: ReadonlyMap<string, string>;
  readonly issues: readonly ConfigIssue[];
  /** Key paths (formatKeyPath) of strings whose references failed: their issue is already said. */
  readonly failed: ReadonlySet<string>;
}

interface Resolution {
  readonly text: string;
  readonly ok: boolean;
}

export async function resolveReferences(tree: PlainMap, locate: Locator, env: Env): Promise<ResolvedTree> {
  const issues: ConfigIssue[] = [];
  const masked = new Map<string, string>();
  const secretValues = new Map<string, string>();
  const brokenSecrets = new Set<string>();
  const resolvedSecretText = new Map<string, string>();
  const failed = new Set<string>();

  const dereference = async (ref: Reference, path: KeyPath, inSecrets: boolean): Promise<string | null> => {
    switch (ref.kind) {
      case 'env': {
        const value = env[ref.arg];
        if (value === undefined) issues.push(issueAt(locate, path, `environment variable '${ref.arg}' is not set (referenced as ${ref.raw})`));
        return value ?? null;
      }
      case 'file': {
        // Relative to the file that names it, like every other path in the config.
        const file = resolve(dirname(locate(path).file), ref.arg);
        try {
          return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
        } catch (error) {
          const reason = (error as NodeJS.ErrnoException).code ?? String(error);
          issues.push(issueAt(locate, path, `cannot read file '${file}' (referenced as ${ref.raw}): ${reason}`));
          return null;
        }
      }
      case 'secret': {
        if (inSecrets) {
          issues.push(issueAt(locate, path, `a secret cannot reference another secret (${ref.raw}); use \${env:…} or \${file:…}`));
          return null;
        }
        const value = secretValues.get(ref.arg);
        if (value !== undefined) return value;
        // The secret's own issue already explains why it has no value.
        if (!brokenSecrets.has(ref.arg)) {
          const hint = didYouMean(ref.arg, [...secretValues.keys(), ...brokenSecrets]);
          issues.push(issueAt(locate, path, `undefined secret '${ref.arg}' (referenced as ${ref.raw}): no such key under 'secrets'${hint}`));
        }
        return null;
      }
    }
  };

  const resolveString = async (text: string, path: KeyPath, inSecrets: boolean): Promise<Resolution> => {
    const template = parseTemplate(text);
    if ('error' in template) {
      issues.push(issueAt(locate, path, template.error));
      failed.add(formatKeyPath(path));
      if (inSecrets || isSensitivePath(path)) masked.set(maskKey(path), REDACTED);
      return { text, ok: false };
    }
    let out = '';
    let ok = true;
    let hasReference = false;
    let usesSecret = false;
    for (const part of template.parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      hasReference = true;
      usesSecret ||= part.kind === 'secret';
      const value = await dereference(part, path, inSecrets);
      if (value === null) ok = false;
      else out += value;
    }
    if (!ok) failed.add(formatKeyPath(path));
    if (usesSecret || inSecrets || isSensitivePath(path)) masked.set(maskKey(path), hasReference ? text : REDACTED);
    return { text: out, ok };
  };

  const secrets = tree['secrets'];
  if (isPlainMap(secrets)) {
    for (const [name, value] of Object.entries(secrets)) {
      if (typeof value !== 'string') {
        brokenSecrets.add(name);
        continue;
      }
      const resolution = await resolveString(value, ['secrets', name], true);
      resolvedSecretText.set(name, resolution.text);
      if (resolution.ok) secretValues.set(name, resolution.text);
      else brokenSecrets.add(name);
    }
  }

  const walk = async (value: unknown, path: (string | number)[]): Promise<unknown> => {
    if (typeof value === 'string') {
      const secretName = path.length === 2 && path[0] === 'secrets' ? String(path[1]) : null;
      if (secretName !== null) return resolvedSecretText.get(secretName) ?? value;
      return (await resolveString(value, path, false)).text;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const [index, item] of value.entries()) out.push(await walk(item, [...path, index]));
      return out;
    }
    if (isPlainMap(value)) {
      const out: PlainMap = {};
      for (const [key, child] of Object.entries(value)) setOwn(out, key, await walk(child, [...path, key]));
      return out;
    }
    return value;
  };

  return { value: (await walk(tree, [])) as PlainMap, masked, issues, failed };
}
