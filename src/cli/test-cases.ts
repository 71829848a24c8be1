// `portcullis test [-c FILE] [--json] TESTS.yaml` (SPEC §8): policy unit tests. Each case is
// evaluated exactly as `explain` evaluates it; the command prints every failing case and ends
// with the line `N passed, N failed`. Exit 0 all passed, 1 any failed, 2 unusable input.
import { formatIssue } from '../config/issues.ts';
import { CONFIG_OPTIONS, configFileOf, parseArgs } from './args.ts';
import { displayed, loadConfigForCommand } from './check.ts';
import { evaluate, type Explanation } from './evaluate.ts';
import { readPolicyTests, type PolicyTestCase } from './test-file.ts';

const USAGE = 'usage: portcullis test [-c FILE] [--json] TESTS.yaml';

interface Outcome {
  readonly testCase: PolicyTestCase;
  readonly result: Explanation;
  readonly passed: boolean;
}

export async function testCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: CONFIG_OPTIONS, flags: ['--json'] });
  if ('error' in args || args.positionals.length !== 1) {
    const problem = 'error' in args ? args.error : args.positionals.length === 0 ? 'TESTS.yaml is required' : 'expected one TESTS.yaml';
    console.error(`portcullis test: ${problem}\n${USAGE}`);
    return 2;
  }
  const testsFile = args.positionals[0] as string;
  let tests;
  try {
    tests = await readPolicyTests(testsFile);
  } catch (err) {
    console.error(`portcullis test: cannot read tests file ${testsFile}: ${(err as Error).message}`);
    return 2;
  }
  if (!tests.ok) {
    console.error(`portcullis test: ${testsFile} is not a valid tests file:`);
    for (const issue of tests.issues) console.error(formatIssue(displayed(issue)));
    return 2;
  }
  const config = await loadConfigForCommand('test', configFileOf(args, process.env));
  if (config === null) return 2;

  const now = Date.now();
  const outcomes = tests.cases.map((testCase): Outcome => {
    const result = evaluate(config, testCase, {
      now: testCase.at ?? now,
      flag: (name) => testCase.flags.get(name) ?? false,
    });
    const passed = result.decision === testCase.expect && (testCase.code === null || testCase.code === result.code);
    return { testCase, result, passed };
  });
  const failed = outcomes.filter((o) => !o.passed).length;
  const passed = outcomes.length - failed;

  if (args.flags.has('--json')) {
    console.log(JSON.stringify({ passed, failed, policy_version: config.version, cases: outcomes.map(toJson) }));
  } else {
    for (const outcome of outcomes) if (!outcome.passed) console.log(describeFailure(outcome));
    console.log(`${passed} passed, ${failed} failed`);
  }
  return failed === 0 ? 0 : 1;
}

function describeFailure({ testCase, result }: Outcome): string {
  const expected = testCase.code === null ? testCase.expect : `${testCase.expect} (${testCase.code})`;
  return `FAIL ${testCase.name}: expected ${expected}, got ${result.decision} (code ${result.code}, rule ${result.rule ?? '-'}): ${result.message}`;
}

function toJson({ testCase, result, passed }: Outcome): unknown {
  return {
    name: testCase.name,
    passed,
    expected: { decision: testCase.expect, code: testCase.code },
    got: { decision: result.decision, code: result.code, rule: result.rule, message: result.message },
  };
}
