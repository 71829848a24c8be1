// The `portcullis test` file (SPEC §8):
//   cases: [{name, agent, method, url, expect: allow|deny|report, code?, flags?, at?}]
// validated as strictly as the config itself — unknown keys and missing fields are located
// errors — because a misspelled `expcet:` that silently passed would be a policy test that
// tests nothing.
import { readFile } from 'node:fs/promises';
import { issueAt, type ConfigIssue, type KeyPath, type Locator } from '../config/issues.ts';
import { describeValue, isPlainMap, type PlainMap } from '../config/plain.ts';
import { locatorFor } from '../config/source-map.ts';
import { didYouMean } from '../config/suggest.ts';
import { parseYaml } from '../config/yaml-source.ts';
import { DENY_CODES, isDenyCode, type DecisionCode } from '../errors.ts';
import { isHttpUrl, parseInstant, parseMethod } from './args.ts';

export type Expectation = 'allow' | 'deny' | 'report';

export interface PolicyTestCase {
  readonly name: string;
  readonly agent: string;
  /** Upper-case. */
  readonly method: string;
  readonly url: string;
  readonly expect: Expectation;
  readonly code: DecisionCode | null;
  readonly flags: ReadonlyMap<string, boolean>;
  /** Epoch ms of `at`, or null to evaluate at the current time. */
  readonly at: number | null;
}

export type PolicyTestFile =
  | { readonly ok: true; readonly cases: readonly PolicyTestCase[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

const CASE_KEYS = ['name', 'agent', 'method', 'url', 'expect', 'code', 'flags', 'at'];
const REQUIRED_KEYS = ['name', 'agent', 'method', 'url', 'expect'];
const EXPECTATIONS: readonly string[] = ['allow', 'deny', 'report'];
const CODES = ['ok', ...Object.keys(DENY_CODES)];

/** Reads and validates a tests file; rejects (with the fs error) only when it cannot be read. */
export async function readPolicyTests(file: string): Promise<PolicyTestFile> {
  const text = await readFile(file, 'utf8');
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) return { ok: false, issues: parsed.issues };
  const issues: ConfigIssue[] = [];
  const cases = validateFile(parsed.value, locatorFor(parsed.source), issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, cases };
}

function validateFile(value: unknown, locate: Locator, issues: ConfigIssue[]): PolicyTestCase[] {
  const fail = (path: KeyPath, message: string): void => { issues.push(issueAt(locate, path, message)); };
  if (!isPlainMap(value)) {
    fail([], `a tests file is a map with the key 'cases', got ${describeValue(value)}`);
    return [];
  }
  for (const key of Object.keys(value)) {
    if (key !== 'cases') fail([key], `unknown key '${key}'${didYouMean(key, ['cases'])}`);
  }
  const list = value['cases'];
  if (list === undefined) {
    fail([], "missing required key 'cases'");
    return [];
  }
  if (!Array.isArray(list)) {
    fail(['cases'], `must be a list of test cases, got ${describeValue(list)}`);
    return [];
  }
  const cases: PolicyTestCase[] = [];
  const firstIndexOfName = new Map<string, number>();
  list.forEach((item: unknown, index) => {
    const testCase = validateCase(item, ['cases', index], fail);
    const name = isPlainMap(item) ? item['name'] : undefined;
    if (typeof name === 'string') {
      const seen = firstIndexOfName.get(name);
      if (seen !== undefined) fail(['cases', index, 'name'], `duplicate case name '${name}' (also cases[${seen}])`);
      else firstIndexOfName.set(name, index);
    }
    if (testCase !== null) cases.push(testCase);
  });
  return cases;
}

type Fail = (path: KeyPath, message: string) => void;

function validateCase(item: unknown, at: KeyPath, fail: Fail): PolicyTestCase | null {
  if (!isPlainMap(item)) {
    fail(at, `a test case is a map (name, agent, method, url, expect), got ${describeValue(item)}`);
    return null;
  }
  let valid = true;
  const problem: Fail = (path, message) => { valid = false; fail(path, message); };
  for (const key of Object.keys(item)) {
    if (!CASE_KEYS.includes(key)) problem([...at, key], `unknown key '${key}'${didYouMean(key, CASE_KEYS)}`);
  }
  for (const key of REQUIRED_KEYS) {
    if (item[key] === undefined) problem(at, `missing required key '${key}'`);
  }
  const text = (key: string): string => {
    const value = item[key];
    if (value === undefined) return '';
    if (typeof value !== 'string' || value === '') {
      problem([...at, key], `must be a non-empty string, got ${describeValue(value)}`);
      return '';
    }
    return value;
  };

  const name = text('name');
  const agent = text('agent');
  const methodText = text('method');
  const method = methodText === '' ? '' : parseMethod(methodText);
  if (method === null) problem([...at, 'method'], `must be an HTTP method such as GET or POST, got ${describeValue(methodText)}`);
  const url = text('url');
  if (url !== '' && !isHttpUrl(url)) problem([...at, 'url'], `must be an absolute http:// or https:// URL, got ${describeValue(url)}`);
  const expect = text('expect');
  if (expect !== '' && !EXPECTATIONS.includes(expect)) {
    problem([...at, 'expect'], `must be allow, deny or report, got ${describeValue(expect)}`);
  }
  const code = validateCode(item, at, expect, problem);
  const flags = validateFlags(item, at, problem);
  const atText = item['at'] === undefined ? null : text('at');
  const instant = atText === null || atText === '' ? null : parseInstant(atText);
  if (atText !== null && atText !== '' && instant === null) {
    problem([...at, 'at'], `must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, got ${describeValue(atText)}`);
  }

  if (!valid) return null;
  return { name, agent, method: method as string, url, expect: expect as Expectation, code, flags, at: instant };
}

function validateCode(item: PlainMap, at: KeyPath, expect: string, problem: Fail): DecisionCode | null {
  const code = item['code'];
  if (code === undefined) return null;
  if (typeof code !== 'string' || (code !== 'ok' && !isDenyCode(code))) {
    const hint = typeof code === 'string' ? didYouMean(code, CODES) : '';
    problem([...at, 'code'], `must be 'ok' or a deny code from SPEC §2, got ${describeValue(code)}${hint}`);
    return null;
  }
  // An allowed request always has code `ok`, and a denied or reported one never does.
  if (expect === 'allow' && code !== 'ok') problem([...at, 'code'], `an allowed request has code 'ok', not '${code}'`);
  if ((expect === 'deny' || expect === 'report') && code === 'ok') {
    problem([...at, 'code'], `a ${expect === 'deny' ? 'denied' : 'reported'} request has a deny code, not 'ok'`);
  }
  return code;
}

function validateFlags(item: PlainMap, at: KeyPath, problem: Fail): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  const value = item['flags'];
  if (value === undefined) return flags;
  if (!isPlainMap(value)) {
    problem([...at, 'flags'], `must be a map of flag name → true|false, got ${describeValue(value)}`);
    return flags;
  }
  for (const [name, flag] of Object.entries(value)) {
    if (typeof flag === 'boolean') flags.set(name, flag);
    else problem([...at, 'flags', name], `must be true or false, got ${describeValue(flag)}`);
  }
  return flags;
}
