// Every Prometheus metric (SPEC §7), declared once. The pipeline and the other stages call the
// methods below, so metric names and label sets live only in this file. Each Metrics owns its
// own Registry (never prom-client's global one): two gateways in one test process must not
// collide on registration.
//
// Label values are bounded: agent ids are kept only when the config names the agent (anything
// else is `unknown`, so a guessed or leaked credential never becomes a label), rule refs and
// budget ids come from the config, and the free-text `by` of a suspension is sanitised and
// capped in number of distinct values.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CompiledConfig } from '../config/compiled.ts';
import type { BudgetState } from '../limits/types.ts';
import { HotCounter, HotHistogram, type CounterCell, type HistogramCell } from './hot-metrics.ts';

/** `to_upstream`: bytes the agent sent (request bodies, tunnel bytes out); `to_agent`: bytes sent back. */
export type ByteDirection = 'to_upstream' | 'to_agent';
export type ReloadResult = 'success' | 'failure';
export type ApprovalResult = 'approved' | 'denied' | 'expired' | 'withdrawn';

export interface RequestObservation {
  /** The identified agent id; null (or an id the config does not name) is labelled `unknown`. */
  readonly agent: string | null;
  readonly decision: 'allow' | 'deny' | 'report';
  /** `ok` or a deny code from errors.ts. */
  readonly code: string;
  /** `POLICY/RULE_ID`, or null when no rule decided. */
  readonly rule: string | null;
  readonly durationSeconds: number;
}

/** What the audit queue-depth gauge reads at scrape time (the shape of AuditLog stats). */
export type AuditQueueStats = () => Readonly<Record<string, { readonly queued: number }>>;

const UNKNOWN_AGENT = 'unknown';
const NO_RULE = 'none';
// A proxy's latencies range from a denied request answered in under a millisecond to an LLM
// stream that runs for a minute.
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
// Leaf issuance is a key generation plus a signature: milliseconds to about a second.
const LEAF_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const MAX_ACTORS = 50;
const MAX_ACTOR_LENGTH = 64;

interface RequestChildren {
  readonly count: CounterCell;
  readonly duration: HistogramCell;
}

export class Metrics {
  readonly registry = new Registry();
  #agents: ReadonlySet<string> = new Set();
  #policyVersion: string | null = null;
  #tunnels: () => number = () => 0;
  #auditQueues: AuditQueueStats = () => ({});
  readonly #actors = new Set<string>();
  readonly #requestChildren = new Map<string, RequestChildren>();

  readonly #requests: HotCounter;
  readonly #requestDuration: HotHistogram;
  readonly #upstreamDuration: HistogramCell;
  readonly #bytes: HotCounter;
  /** A series appears with its first byte, as prom-client's would. */
  readonly #bytesCells: Partial<Record<ByteDirection, CounterCell>> = {};
  readonly #spend: Counter<'agent' | 'budget'>;
  readonly #budgetRemaining: Gauge<'agent' | 'budget'>;
  readonly #rateLimited: Counter<'agent' | 'rule'>;
  readonly #storeErrors: Counter;
  readonly #auditDropped: Counter<'sink'>;
  readonly #leafCache: Counter<'result'>;
  readonly #leafIssue: Histogram;
  readonly #reloads: Counter<'result'>;
  readonly #policyInfo: Gauge<'version'>;
  readonly #suspensions: Counter<'agent' | 'by'>;
  readonly #approvals: Counter<'result'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Recorded once or twice per request: cells resolved once, no label hashing per call.
    this.#requests = new HotCounter('portcullis_requests_total',
      'Requests and tunnels by final decision, code and deciding rule.', this.registry);
    this.#requestDuration = new HotHistogram('portcullis_request_duration_seconds',
      'Time from request (or CONNECT) to the end of the response, as the agent saw it.', DURATION_BUCKETS, this.registry);
    this.#upstreamDuration = new HotHistogram('portcullis_upstream_duration_seconds',
      'Time from dialling the upstream to the end of its response.', DURATION_BUCKETS, this.registry).cell();
    this.#bytes = new HotCounter('portcullis_request_bytes_total',
      'Body and tunnel bytes relayed: to_upstream (from agents) and to_agent (from upstreams).', this.registry);
    this.#spend = new Counter({
      name: 'portcullis_spend_usd_total',
      help: 'Settled spend in USD charged against each budget.',
      labelNames: ['agent', 'budget'],
      registers,
    });
    this.#budgetRemaining = new Gauge({
      name: 'portcullis_budget_remaining_usd',
      help: 'limit - spent - reserved in the current window, at the last settlement.',
      labelNames: ['agent', 'budget'],
      registers,
    });
    const tunnels = (): number => this.#tunnels();
    new Gauge({
      name: 'portcullis_active_tunnels',
      help: 'CONNECT tunnels open now (spliced and intercepted).',
      registers,
      collect() {
        this.set(tunnels());
      },
    });
    this.#rateLimited = new Counter({
      name: 'portcullis_rate_limited_total',
      help: 'Requests refused by a rate limit; rule is `agent` for the agent-wide rate.',
      labelNames: ['agent', 'rule'],
      registers,
    });
    this.#storeErrors = new Counter({
      name: 'portcullis_store_errors_total',
      help: 'Counter-store commands that failed or timed out.',
      registers,
    });
    const auditQueues = (): ReturnType<AuditQueueStats> => this.#auditQueues();
    new Gauge({
      name: 'portcullis_audit_queue_depth',
      help: 'Audit lines waiting in each sink queue.',
      labelNames: ['sink'],
      registers,
      collect() {
        for (const [sink, stats] of Object.entries(auditQueues())) this.set({ sink }, stats.queued);
      },
    });
    this.#auditDropped = new Counter({
      name: 'portcullis_audit_dropped_total',
      help: 'Audit lines dropped because a sink queue was full.',
      labelNames: ['sink'],
      registers,
    });
    this.#leafCache = new Counter({
      name: 'portcullis_leaf_cache_total',
      help: 'Interception leaf certificate lookups.',
      labelNames: ['result'],
      registers,
    });
    this.#leafIssue = new Histogram({
      name: 'portcullis_leaf_issue_seconds',
      help: 'Time to issue one interception leaf certificate.',
      buckets: LEAF_BUCKETS,
      registers,
    });
    this.#reloads = new Counter({
      name: 'portcullis_config_reloads_total',
      help: 'Config reloads; a failed reload keeps the previous config.',
      labelNames: ['result'],
      registers,
    });
    this.#policyInfo = new Gauge({
      name: 'portcullis_policy_info',
      help: 'Always 1; the version label is the policy version in force.',
      labelNames: ['version'],
      registers,
    });
    this.#suspensions = new Counter({
      name: 'portcullis_suspensions_total',
      help: 'Kill-switch suspensions; agent `*` is suspend-all.',
      labelNames: ['agent', 'by'],
      registers,
    });
    this.#approvals = new Counter({
      name: 'portcullis_approvals_total',
      help: 'Approval gates by outcome.',
      labelNames: ['result'],
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** At start and after every successful reload: the agents that may be labels, and policy_info. */
  setConfig(config: CompiledConfig): void {
    this.#agents = new Set(config.policy.agents.keys());
    if (this.#policyVersion !== null && this.#policyVersion !== config.version) {
      this.#policyInfo.remove({ version: this.#policyVersion });
    }
    this.#policyVersion = config.version;
    this.#policyInfo.set({ version: config.version }, 1);
  }

  /** Once per audit record: the final decision and the time the agent waited. */
  request(observation: RequestObservation): void {
    const agent = this.#agentLabel(observation.agent);
    const rule = observation.rule ?? NO_RULE;
    const key = `${agent}\0${observation.decision}\0${observation.code}\0${rule}`;
    let children = this.#requestChildren.get(key);
    if (children === undefined) {
      children = {
        count: this.#requests.cell({ agent, decision: observation.decision, code: observation.code, rule }),
        duration: this.#requestDuration.cell({ agent, decision: observation.decision }),
      };
      this.#requestChildren.set(key, children);
    }
    children.count.inc();
    children.duration.observe(observation.durationSeconds);
  }

  upstream(seconds: number): void {
    this.#upstreamDuration.observe(seconds);
  }

  bytes(direction: ByteDirection, count: number): void {
    if (count > 0) (this.#bytesCells[direction] ??= this.#bytes.cell({ direction })).inc(count);
  }

  /** Settled cost charged to one budget. */
  spend(agent: string, budget: string, usd: number): void {
    if (usd > 0) this.#spend.inc({ agent: this.#agentLabel(agent), budget }, usd);
  }

  /** Budget states after a settlement (or an admin read). */
  budgets(agent: string, states: readonly BudgetState[]): void {
    const label = this.#agentLabel(agent);
    for (const state of states) {
      this.#budgetRemaining.set({ agent: label, budget: state.id }, remainingUsd(state));
    }
  }

  /** `rule` is the rate check id: `agent` for the agent-wide rate, else the rule ref. */
  rateLimited(agent: string, rule: string): void {
    this.#rateLimited.inc({ agent: this.#agentLabel(agent), rule });
  }

  storeError(): void {
    this.#storeErrors.inc();
  }

  auditDropped(sink: string, count: number): void {
    if (count > 0) this.#auditDropped.inc({ sink }, count);
  }

  leafCache(hit: boolean): void {
    this.#leafCache.inc({ result: hit ? 'hit' : 'miss' });
  }

  leafIssued(seconds: number): void {
    this.#leafIssue.observe(seconds);
  }

  configReload(result: ReloadResult): void {
    this.#reloads.inc({ result });
  }

  /** `agent` is an agent id or `*` (suspend-all); `by` is whoever the admin API was told did it. */
  suspension(agent: string, by: string): void {
    this.#suspensions.inc({ agent: agent === '*' ? '*' : this.#agentLabel(agent), by: this.#actorLabel(by) });
  }

  approval(result: ApprovalResult): void {
    this.#approvals.inc({ result });
  }

  /** Read at scrape time, so the tunnel tracker needs no call per open and close. */
  countTunnelsWith(count: () => number): void {
    this.#tunnels = count;
  }

  /** Read at scrape time (e.g. `() => auditLog.stats()`). */
  readAuditQueuesFrom(stats: AuditQueueStats): void {
    this.#auditQueues = stats;
  }

  #agentLabel(agent: string | null): string {
    return agent !== null && this.#agents.has(agent) ? agent : UNKNOWN_AGENT;
  }

  #actorLabel(by: string): string {
    const clean = by.replace(/[^A-Za-z0-9_.@:-]/g, '_').slice(0, MAX_ACTOR_LENGTH) || 'admin';
    if (this.#actors.has(clean)) return clean;
    if (this.#actors.size >= MAX_ACTORS) return 'other';
    this.#actors.add(clean);
    return clean;
  }
}

/** What a new request could still reserve in the current window; never negative. */
export function remainingUsd(state: BudgetState): number {
  // Rounded to the store's nano-dollar resolution: 50 - 12.41 must read 37.59, not 37.589999….
  return Math.max(0, Math.round((state.limitUsd - state.spentUsd - state.reservedUsd) * 1e9) / 1e9);
}
