// A configuration problem, located by file, line and key path (SPEC §4: "Every error names
// the file, line and key path"). Loading collects every issue it can before failing, so an
// operator fixes a file in one pass instead of one error per run.

export type KeyPath = readonly (string | number)[];

export interface SourceLocation {
  readonly file: string;
  /** 1-based; 0 when the key has no place in any file (e.g. a missing top-level section). */
  readonly line: number;
  readonly column: number;
}

export interface ConfigIssue extends SourceLocation {
  /** Dotted key path, e.g. `agents.finance-auditor.rules[2].paths[0]`. */
  readonly path: string;
  readonly message: string;
}

/** Maps a key path of the merged config to the file and line that defined it. */
export type Locator = (path: KeyPath) => SourceLocation;

export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(root)' : out;
}

export function issueAt(locate: Locator, path: KeyPath, message: string): ConfigIssue {
  return { ...locate(path), path: formatKeyPath(path), message };
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.path}: ${issue.message}`;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid configuration (${issues.length} ${issues.length === 1 ? 'error' : 'errors'}):\n` +
      issues.map((i) => `  ${formatIssue(i)}`).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The main config file itself cannot be read: the CLI's "unreadable input" (exit 2). */
export class ConfigReadError extends Error {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`cannot read config file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ConfigReadError';
    this.file = file;
  }
}
