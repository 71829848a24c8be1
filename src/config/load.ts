// Config file → CompiledConfig (SPEC §4). The stages, in order:
//   1. read the main file and its includes, merge them (include.ts, merge.ts, yaml-source.ts)
//   2. resolve ${env:…} ${file:…} ${secret:…} references (references.ts)
//   3. validate against the schema (validate.ts)
//   4. make relative paths absolute; build the public view and the version (public-view.ts)
//   5. compile the sections and the policy (compile.ts, ../policy/compile.ts), freeze
// Issues are collected across a stage and reported together; a stage whose input is known
// to be broken is not run (compiling an invalid document would only add noise).
import { compilePolicy } from '../policy/compile.ts';
import { compileSections } from './compile.ts';
import type { CompiledConfig } from './compiled.ts';
import { deepFreeze } from './deep-freeze.ts';
import { readConfigTree } from './include.ts';
import { ConfigError, type ConfigIssue, type Locator } from './issues.ts';
import { publicView } from './public-view.ts';
import { resolveReferences, type Env } from './references.ts';
import { resolveRelativePaths } from './relative-paths.ts';
import type { ConfigFile } from './schema.ts';
import { locatorFor } from './source-map.ts';
import { validateConfig } from './validate.ts';
import { configVersion } from './version.ts';

export interface LoadOptions {
  /** Where `${env:…}` looks; process.env when omitted. */
  readonly env?: Env;
}

export interface LoadedDocument {
  /** Merged, resolved, schema-valid, relative paths made absolute. Frozen. */
  readonly config: ConfigFile;
  readonly locate: Locator;
  /** Absolute paths, main file first. */
  readonly files: readonly string[];
  readonly version: string;
  /** The public view: secret-bearing strings as written, literal secrets `[redacted]`. */
  readonly redacted: unknown;
}

/**
 * Everything but compiling: for `check`, tests and tools that need the document and its
 * locator. Throws ConfigReadError when `file` cannot be read, ConfigError for anything invalid.
 */
export async function loadDocument(file: string, options: LoadOptions = {}): Promise<LoadedDocument> {
  const tree = await readConfigTree(file);
  const fail = (issues: readonly ConfigIssue[]): never => {
    throw new ConfigError(inReadingOrder(issues, tree.files));
  };
  if (!tree.mainUsable) fail(tree.issues);

  const locate = locatorFor(tree.source);
  const resolved = await resolveReferences(tree.value, locate, options.env ?? process.env);
  // A string whose reference failed already has its issue; its stand-in value would only add
  // a second, misleading one ("must not be empty").
  const schemaIssues = validateConfig(resolved.value, publicView(resolved.value, resolved.masked), locate)
    .filter((issue) => !resolved.failed.has(issue.path));
  const issues = [...tree.issues, ...resolved.issues, ...schemaIssues];
  if (issues.length > 0) fail(issues);

  resolveRelativePaths(resolved.value, locate);
  const redacted = deepFreeze(publicView(resolved.value, resolved.masked));
  return {
    config: deepFreeze(resolved.value as ConfigFile),
    locate,
    files: tree.files,
    version: configVersion(redacted),
    redacted,
  };
}

/** The gateway's entry: a frozen CompiledConfig, or ConfigReadError / ConfigError with every issue found. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<CompiledConfig> {
  const document = await loadDocument(file, options);
  const { sections, issues } = compileSections(document.config, document.locate);
  const policy = compilePolicy(document.config, document.locate);
  const all = [...issues, ...policy.issues];
  if (all.length > 0) throw new ConfigError(inReadingOrder(all, document.files));
  return deepFreeze({
    file: document.files[0] ?? file,
    files: document.files,
    version: document.version,
    policy: policy.policy,
    ...sections,
    redacted: document.redacted,
  });
}

/** File by file (main first), top to bottom: the order an operator fixes them in. */
function inReadingOrder(issues: readonly ConfigIssue[], files: readonly string[]): ConfigIssue[] {
  const rank = (file: string): number => {
    const index = files.indexOf(file);
    return index === -1 ? files.length : index;
  };
  return issues.toSorted((a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.column - b.column);
}
