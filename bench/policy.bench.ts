// decide() throughput on a small config (10 agents × 10 rules) against a large one
// (2,000 agents × 50 rules, every agent with its own rules: nothing shared), in the same run.
//
// Like for like: the same 1,024 requests (the same 10 agents, hosts, paths) against both
// configs. The host index and compiled globs should make the cost of a decision independent
// of config size: the target is a ratio within 1.5×.
// Also measured: the large config with the requests spread over 1,024 different agents. Each
// decision then touches memory no other recent decision did, so that figure is bound by cache
// misses (the working set is tens of MB), not by the number of rules.
//
// Run: npx vitest bench --run bench/policy.bench.ts   (npm run bench:policy does the same)
import { test } from 'vitest';
import type { Locator } from '../src/config/issues.ts';
import type { AgentSpec, ConfigFile, RuleSpec } from '../src/config/schema.ts';
import { compilePolicy } from '../src/policy/compile.ts';
import { decide as decideExport } from '../src/policy/decide.ts';
import { targetFromUrl } from '../src/policy/normalize.ts';
import type { CompiledAgent, CompiledPolicy, DecideContext, RequestTarget } from '../src/policy/types.ts';

// A local binding: the module runner's export getter would otherwise be timed too.
const decide = decideExport;
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

function compiled(agents: number, rules: number): CompiledPolicy {
  const { policy, issues } = compilePolicy(configOf(agents, rules), locate);
  if (issues.length > 0) throw new Error(`bench config has issues: ${issues[0]?.message}`);
  return policy;
}

/** Request j goes to agent j·7919 mod `active`, on that agent's rules 0..9 only. */
function requestsFor(policy: CompiledPolicy, active: number): Request[] {
  const requests: Request[] = [];
  for (let j = 0; j < BATCH; j++) {
    const i = (j * 7_919) % active;
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
const SPREAD = '2,000 × 50, 1,024 agents';
type Name = typeof SMALL | typeof LARGE | typeof SPREAD;

test(`decide() throughput, ${BATCH} decisions per op`, async ({ bench }) => {
  const small = compiled(10, 10);
  const large = compiled(2_000, 50);
  const results = await bench.compare(
    bench(SMALL, run(requestsFor(small, 10))),
    bench(LARGE, run(requestsFor(large, 10))),
    bench(SPREAD, run(requestsFor(large, 2_000))),
    { time: 2_000 },
  );
  const rate = (name: Name): number => results.get(name).throughput.mean * BATCH;
  const line = (name: Name): string => `  ${name.padEnd(26)} ${Math.round(rate(name)).toLocaleString('en-US')} decisions/s`;
  const ratio = rate(SMALL) / rate(LARGE);
  console.log(['', 'decide() throughput', line(SMALL), line(LARGE), line(SPREAD),
    `  ratio small/large, same requests: ${ratio.toFixed(2)}× (target ≤ 1.50×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
    `  ratio small/large, spread over 1,024 agents: ${(rate(SMALL) / rate(SPREAD)).toFixed(2)}× (cache-bound)`, ''].join('\n'));
});
