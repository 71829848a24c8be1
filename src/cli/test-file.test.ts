import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../config/issues.ts';
import { readPolicyTests } from './test-file.ts';

async function read(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-tests-'));
  const file = join(dir, 't.yaml');
  await writeFile(file, text);
  const result = await readPolicyTests(file);
  return {
    result,
    /** Issues as printed, with the temp directory cut off. */
    lines: result.ok ? [] : result.issues.map((issue) => formatIssue({ ...issue, file: 't.yaml' })),
  };
}

describe('readPolicyTests', () => {
  it('turns a valid file into typed cases', async () => {
    const { result } = await read(`cases:
  - { name: a, agent: bot, method: post, url: "https://h.example/x", expect: deny, code: denied_by_rule, flags: { freeze: true }, at: "2026-01-05T10:00:00+01:00" }
  - { name: b, agent: bot, method: GET, url: "http://h.example/", expect: allow }
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.cases).toEqual([
      { name: 'a', agent: 'bot', method: 'POST', url: 'https://h.example/x', expect: 'deny', code: 'denied_by_rule', flags: new Map([['freeze', true]]), at: Date.UTC(2026, 0, 5, 9) },
      { name: 'b', agent: 'bot', method: 'GET', url: 'http://h.example/', expect: 'allow', code: null, flags: new Map(), at: null },
    ]);
  });

  it.each([
    ['a list at the root', '- a\n', ["t.yaml:1:1: (root): a tests file is a map with the key 'cases', got a list"]],
    ['a misspelled root key', 'case: []\n', ["t.yaml:1:1: case: unknown key 'case'; did you mean 'cases'?", "t.yaml:1:1: (root): missing required key 'cases'"]],
    ['cases that are not a list', 'cases: 3\n', ['t.yaml:1:1: cases: must be a list of test cases, got 3']],
    ['a case that is not a map', 'cases:\n  - just text\n', ["t.yaml:2:5: cases[0]: a test case is a map (name, agent, method, url, expect), got 'just text'"]],
  ])('locates %s', async (_, text, expected) => {
    expect((await read(text)).lines).toEqual(expected);
  });

  it('locates every field error of a case', async () => {
    const { lines } = await read(`cases:
  - name: bad
    agent: 7
    method: "GE T"
    url: api.example.com/x
    expect: allow
    code: denied_by_rul
    flags: { freeze: "yes" }
    at: "2026-01-05 10:00"
`);
    expect(lines).toEqual([
      't.yaml:3:5: cases[0].agent: must be a non-empty string, got 7',
      "t.yaml:4:5: cases[0].method: must be an HTTP method such as GET or POST, got 'GE T'",
      "t.yaml:5:5: cases[0].url: must be an absolute http:// or https:// URL, got 'api.example.com/x'",
      "t.yaml:7:5: cases[0].code: must be 'ok' or a deny code from SPEC §2, got 'denied_by_rul'; did you mean 'denied_by_rule'?",
      "t.yaml:8:14: cases[0].flags.freeze: must be true or false, got 'yes'",
      "t.yaml:9:5: cases[0].at: must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, got '2026-01-05 10:00'",
    ]);
  });

  it('refuses a code that contradicts the expectation, and duplicate names', async () => {
    const { lines } = await read(`cases:
  - { name: a, agent: bot, method: GET, url: "https://h.example/", expect: allow, code: no_matching_rule }
  - { name: b, agent: bot, method: GET, url: "https://h.example/", expect: deny, code: ok }
  - { name: b, agent: bot, method: GET, url: "https://h.example/", expect: deny }
`);
    expect(lines).toEqual([
      "t.yaml:2:83: cases[0].code: an allowed request has code 'ok', not 'no_matching_rule'",
      "t.yaml:3:82: cases[1].code: a denied request has a deny code, not 'ok'",
      "t.yaml:4:7: cases[2].name: duplicate case name 'b' (also cases[1])",
    ]);
  });

  it('locates YAML syntax errors and duplicate keys', async () => {
    const syntax = await read('cases:\n  - { name: a\n');
    expect(syntax.lines[0]).toMatch(/^t\.yaml:\d+:\d+: .*YAML syntax error/);
    const duplicate = await read('cases: []\ncases: []\n');
    expect(duplicate.lines).toEqual(["t.yaml:2:1: cases: duplicate key 'cases': a YAML map may set each key once"]);
  });

  it('rejects when the file cannot be read', async () => {
    await expect(readPolicyTests(join(tmpdir(), 'portcullis-no-such-dir', 'x.yaml'))).rejects.toThrow(/ENOENT/);
  });
});
