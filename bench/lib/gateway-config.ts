// The gateway's config for the bench: a realistic policy of issue 7 (200 agents, 20 rules each,
// exact, wildcard, explicit-port and flag-gated deny rules, every agent with its own), mTLS
// listener, interception, audit to a file. The load runs as BENCH_AGENT, whose 20 rules include
// the ones the cases hit. `limited` (case 2) puts a rate and a per-request price on the hit rule
// and a budget on the agent, so every request does one acquire and one settle in the store.
import type { TestPki } from '../../test/helpers/pki.ts';
import { API_HOST, BENCH_AGENT, TUNNEL_HOST } from './shape.ts';

export const AGENTS = 200;
export const RULES_PER_AGENT = 20;

export interface BenchGatewayOptions {
  readonly pki: TestPki;
  readonly httpsPort: number;
  readonly httpPort: number;
  readonly auditFile: string;
  /** Redis URL; null: the in-memory store. */
  readonly storeUrl: string | null;
  readonly limited: boolean;
}

/** Rule k of a tenant zone that the load never hits: what makes the index realistic. */
function fillerRule(zone: string, k: number): string {
  switch (k % 5) {
    case 0: return `{ id: r${k}, host: api${k}.${zone}, methods: [GET, HEAD], paths: ["/v1/*/items/**", "/static/${k}.json"] }`;
    case 1: return `{ id: r${k}, host: "*.w${k}.${zone}", paths: ["/**"] }`;
    case 2: return `{ id: r${k}, host: "api${k}.${zone}:8443", methods: [POST], paths: ["/v2/*.json"] }`;
    case 3: return `{ id: r${k}, host: api${k - 3}.${zone}, methods: [DELETE], action: deny, when: { flags: { freeze: true } } }`;
    default: return `{ id: r${k}, host: [svc${k}.${zone}, alt${k}.${zone}], paths: ["/api/**/status"] }`;
  }
}

function benchRules(o: BenchGatewayOptions): string[] {
  const limits = o.limited ? ', rate: "100000000/min", meter: { usd_per_request: 0.000001 }' : '';
  return [
    `{ id: item, host: "${API_HOST}:${o.httpsPort}", methods: [GET], paths: [/item, /big, /sse]${limits} }`,
    `{ id: plain, host: "${API_HOST}:${o.httpPort}", methods: [GET], paths: [/item] }`,
    `{ id: tunnel, host: "${TUNNEL_HOST}:${o.httpsPort}", tunnel: true }`,
    `{ id: no-writes-in-freeze, host: "${API_HOST}:${o.httpsPort}", methods: [POST, PUT, DELETE], action: deny, when: { flags: { freeze: true } } }`,
  ];
}

export function benchGatewayYaml(o: BenchGatewayOptions): string {
  const agents: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const id = i === 0 ? BENCH_AGENT : `agent-${i}`;
    const zone = `t${i}.example`;
    const own = i === 0 ? benchRules(o) : [];
    const rules = [...own];
    for (let k = 0; rules.length < RULES_PER_AGENT; k++) rules.push(fillerRule(zone, k));
    agents.push(`  ${id}:
    match: { spiffe: "spiffe://acme.internal/agent/${id}" }
    team: team-${i % 10}
    rules:
${rules.map((r) => `      - ${r}`).join('\n')}`);
  }
  const store = o.storeUrl === null ? '' : `store: { url: "${o.storeUrl}", on_error: deny }\n`;
  const budgets = o.limited ? `budgets:\n  ${BENCH_AGENT}:\n    - { id: daily, limit_usd: 1000000, per: day }\n` : '';
  const { pki } = o;
  return `version: 1
listen:
  proxy:
    host: 127.0.0.1
    port: 0
    tls: { cert: ${pki.proxy.certFile}, key: ${pki.proxy.keyFile}, client_ca: ${pki.agentCa.certFile}, crl: ${pki.crl.file} }
${store}interception:
  ca_cert: ${pki.interceptionCa.certFile}
  ca_key: ${pki.interceptionCa.keyFile}
  upstream_ca: [${pki.upstreamCa.certFile}]
network:
  allow_cidrs: [127.0.0.1/32]
  resolve:
    ${API_HOST}: 127.0.0.1
    ${TUNNEL_HOST}: 127.0.0.1
limits:
  upstream_timeout: 30s
  idle_timeout: 600s
  max_tunnels_per_agent: 50000
audit:
  sinks:
    - { type: file, path: ${o.auditFile} }
${budgets}agents:
${agents.join('\n')}
`;
}
