// One bad config per error under test/fixtures/config/ (envoy ratelimit's
// test/config/misspelled_key.yaml is the model). Each fixture states what it must produce in
// its header:
//   # expect: FILE:LINE KEY.PATH: message text (a substring of the issue's message)
//   # env: NAME=value
// and must produce exactly those issues, no more.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigReadError, formatIssue, type ConfigIssue } from './issues.ts';
import { loadConfig } from './load.ts';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/config');

interface Expected {
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

function header(file: string): { expected: Expected[]; env: Record<string, string> } {
  const expected: Expected[] = [];
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const expect = /^# expect: (\S+):(\d+) (.+?): (.+)$/.exec(line);
    if (expect) expected.push({ file: expect[1]!, line: Number(expect[2]), path: expect[3]!, message: expect[4]! });
    const variable = /^# env: ([A-Z_]+)=(.*)$/.exec(line);
    if (variable) env[variable[1]!] = variable[2]!;
  }
  return { expected, env };
}

async function issuesOf(file: string, env: Record<string, string>): Promise<readonly ConfigIssue[]> {
  try {
    await loadConfig(file, { env });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.yaml')).sort();

describe('bad config fixtures', () => {
  it('cover at least 20 distinct errors', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtures)('%s is refused with its located issues', async (name) => {
    const file = join(FIXTURES, name);
    const { expected, env } = header(file);
    expect(expected.length, 'fixture declares its expected issues').toBeGreaterThan(0);

    const issues = await issuesOf(file, env);
    const shown = issues.map(formatIssue).join('\n');
    expect(issues.length, shown).toBe(expected.length);
    for (const want of expected) {
      const match = issues.find((issue) =>
        issue.file === join(FIXTURES, want.file) &&
        issue.line === want.line &&
        issue.path === want.path &&
        issue.message.includes(want.message));
      expect(match, `expected ${want.file}:${want.line} ${want.path}: ${want.message}\ngot:\n${shown}`).toBeDefined();
      expect(match!.column).toBeGreaterThan(0);
    }
  });
});

describe('unreadable main file', () => {
  it('is a ConfigReadError naming the file, not a ConfigError', async () => {
    const file = join(FIXTURES, 'does-not-exist.yaml');
    const error = await loadConfig(file, { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigReadError);
    expect((error as ConfigReadError).file).toBe(file);
    expect((error as Error).message).toContain('ENOENT');
  });
});

describe('ConfigError message', () => {
  it('lists every issue as file:line:column: path: message', async () => {
    const error = await loadConfig(join(FIXTURES, 'several-errors.yaml'), { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^invalid configuration \(5 errors\):\n/);
    expect(message).toContain(`${join(FIXTURES, 'several-errors.yaml')}:8:`);
    // Reading order: by line within the file.
    const lines = (error as ConfigError).issues.map((i) => i.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });
});
