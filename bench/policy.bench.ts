// decide() throughput on a small config (10 agents × 10 rules) against a large one
// (2,000 agents × 50 rules), same request mix, same run: the host index and compiled globs
// should make the cost per decision independent of config size (target: within 1.5×).
//
// Run: npx vitest bench --run bench/policy.bench.ts   (npm run bench:policy does the same)
import { test } from 'vitest';
import type { Locator } from '../src/config/issues.ts';
import type { AgentSpec, ConfigFile, RuleSpec } from '../src/config/schema.ts';
import { compilePolicy } from '../src/policy/compile.ts';
import { decide } from '../src/policy/decide.ts';
import { targetFromUrl } from '../src/policy/normalize.ts';
import type { CompiledAgent, DecideContext, RequestTarget } from '../src/policy/types.ts';

const BATCH = 1_024;
const TENANTS = 100;
const locate: Locator = () => ({ file: 'bench.yaml', line: 1, column: 1 });
const ctx: DecideContext = { now: Date.parse('2026-01-05T12:00:00Z'), flag: (name) => name === 'freeze' };

/** Rule k of agent i: exact, wildcard, explicit-port and deny rules, with globs. */
function ruleOf(i: number, k: number): RuleSpec {
  const zone = `t${i % TENANTS}.example`;
  switch (k % 5) {
    case 0: return { id: `r${k}`, host: `api${k}.${zone}`, methods: ['GET', 'HEAD'], paths: ['/v1/*/items/**', `/static/${k}.json`] };
    case 1: return { id: `r${k}`, host: `*.w${k}.${zone}`, paths: ['/**'] };
    case 2: return { id: `r${k}`, host: `api${k}.${zone}:8443`, methods: ['POST'], paths: ['/v2/*.json'] };
    case 3: return { id: `r${k}`, host: `api${k - 3}.${zone}`, methods: ['DELETE'], action: 'deny', when: { flags: { freeze: true } } };
    default: return { id: `r${k}`, host: [`svc${k}.${zone}`, `alt${k}.${zone}`], paths: ['/api/**/status'] };
  }
}

function configOf(agents: number, rules: number): ConfigFile {
  const specs: Record<string, AgentSpec> = {};
  for (let i = 0; i < agents; i++) {
    specs[`agent-${i}`] = { match: { cn: `agent-${i}` }, rules: Array.from({ length: rules }, (_, k) => ruleOf(i, k)) };
  }
  return { version: 1, agents: specs };
}

interface Request {
  readonly agent: CompiledAgent;
  readonly method: string;
  readonly target: RequestTarget;
}

/** The same mix for both configs: request j goes to agent j·7919 mod N, on rules 0..9 only. */
function requestsFor(agents: number, rules: number): Request[] {
  const { policy, issues } = compilePolicy(configOf(agents, rules), locate);
  if (issues.length > 0) throw new Error(`bench config has issues: ${issues[0]?.message}`);
  const requests: Request[] = [];
  for (let j = 0; j < BATCH; j++) {
    const i = (j * 7_919) % agents;
    const zone = `t${i % TENANTS}.example`;
    const k = 5 * (j % 2);
    const [method, url] = ([
      ['GET', `https://api${k}.${zone}/v1/x/items/a/b`],
      ['HEAD', `https://api${k}.${zone}/static/${k}.json`],
      ['GET', `https://deep.host${j}.w${k + 1}.${zone}/anything`],
      ['POST', `https://api${k + 2}.${zone}:8443/v2/doc.json`],
      ['DELETE', `https://api${k}.${zone}/v1/x/items/a`],
      ['GET', `https://api${k}.${zone}/v1/x`],
      ['GET', `https://alt${k + 4}.${zone}/api/a/b/status`],
      ['GET', `https://unknown${j}.elsewhere.example/`],
    ] as const)[j % 8] as readonly [string, string];
    requests.push({ agent: policy.agents.get(`agent-${i}`) as CompiledAgent, method, target: targetFromUrl(url) });
  }
  return requests;
}

function run(requests: readonly Request[]): () => void {
  return () => {
    for (const { agent, method, target } of requests) decide(agent, method, target, ctx);
  };
}

const SMALL = '10 agents × 10 rules';
const LARGE = '2,000 agents × 50 rules';

test(`decide() throughput, ${BATCH} decisions per op`, async ({ bench }) => {
  const small = requestsFor(10, 10);
  const large = requestsFor(2_000, 50);
  const results = await bench.compare(bench(SMALL, run(small)), bench(LARGE, run(large)), { time: 2_000 });
  const rate = (name: typeof SMALL | typeof LARGE): number => results.get(name).throughput.mean * BATCH;
  const ratio = rate(SMALL) / rate(LARGE);
  const line = (name: typeof SMALL | typeof LARGE): string =>
    `  ${name.padEnd(26)} ${Math.round(rate(name)).toLocaleString('en-US')} decisions/s`;
  console.log(['', 'decide() throughput', line(SMALL), line(LARGE),
    `  ratio small/large: ${ratio.toFixed(2)}× (target ≤ 1.50×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`, ''].join('\n'));
});
