import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/admin/metrics.ts';
import { startAdmin, type AdminFixture } from './fixture.ts';

/** The sample lines of one metric family in a Prometheus text exposition. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('/metrics', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  const scrape = async (): Promise<string> => {
    const response = await admin.call('/metrics', { auth: false });
    expect(response.status).toBe(200);
    return response.text();
  };

  it('shows recorded requests with agent, decision, code and rule labels', async () => {
    const m = admin.metrics;
    m.request({ agent: 'bot', decision: 'allow', code: 'ok', rule: 'web/read', durationSeconds: 0.012 });
    m.request({ agent: 'bot', decision: 'allow', code: 'ok', rule: 'web/read', durationSeconds: 0.3 });
    m.request({ agent: 'bot', decision: 'deny', code: 'no_matching_rule', rule: null, durationSeconds: 0.0004 });
    m.request({ agent: 'observer', decision: 'report', code: 'no_matching_rule', rule: null, durationSeconds: 0.05 });
    // An unidentified client, and a name the config does not know (e.g. a Basic-auth user part).
    m.request({ agent: null, decision: 'deny', code: 'identity_required', rule: null, durationSeconds: 0.001 });
    m.request({ agent: 'sk-live-not-an-agent', decision: 'deny', code: 'unknown_agent', rule: null, durationSeconds: 0.001 });

    const text = await scrape();
    expect(samples(text, 'portcullis_requests_total').sort()).toEqual([
      'portcullis_requests_total{agent="bot",decision="allow",code="ok",rule="web/read"} 2',
      'portcullis_requests_total{agent="bot",decision="deny",code="no_matching_rule",rule="none"} 1',
      'portcullis_requests_total{agent="observer",decision="report",code="no_matching_rule",rule="none"} 1',
      'portcullis_requests_total{agent="unknown",decision="deny",code="identity_required",rule="none"} 1',
      'portcullis_requests_total{agent="unknown",decision="deny",code="unknown_agent",rule="none"} 1',
    ]);
    expect(text).not.toContain('sk-live-not-an-agent');
    expect(text).toContain('portcullis_request_duration_seconds_count{agent="bot",decision="allow"} 2');
    expect(text).toContain('portcullis_request_duration_seconds_bucket{le="0.001",agent="bot",decision="deny"} 1');
    expect(text).toContain('portcullis_request_duration_seconds_bucket{le="60",agent="bot",decision="allow"} 2');
  });

  it('shows every other family with its labels', async () => {
    const m = admin.metrics;
    m.upstream(0.2);
    m.bytes('to_upstream', 812);
    m.bytes('to_agent', 2301);
    m.spend('bot', 'daily', 0.25);
    m.spend('bot', 'daily', 0.5);
    m.budgets('bot', [{ id: 'daily', owner: 'bot', spentUsd: 12.41, reservedUsd: 1, limitUsd: 50, resetsAt: '2030-01-01T00:00:00.000Z' }]);
    m.rateLimited('bot', 'web/read');
    m.rateLimited('bot', 'agent');
    m.storeError();
    m.auditDropped('http', 3);
    m.leafCache(true);
    m.leafCache(true);
    m.leafCache(false);
    m.leafIssued(0.04);
    m.suspension('*', 'alice');
    m.approval('approved');
    m.approval('expired');
    m.countTunnelsWith(() => 7);
    m.readAuditQueuesFrom(() => ({ file: { queued: 0 }, http: { queued: 12 } }));

    const text = await scrape();
    const expected = [
      'portcullis_upstream_duration_seconds_count 1',
      'portcullis_request_bytes_total{direction="to_upstream"} 812',
      'portcullis_request_bytes_total{direction="to_agent"} 2301',
      'portcullis_spend_usd_total{agent="bot",budget="daily"} 0.75',
      'portcullis_budget_remaining_usd{agent="bot",budget="daily"} 36.59',
      'portcullis_active_tunnels 7',
      'portcullis_rate_limited_total{agent="bot",rule="web/read"} 1',
      'portcullis_rate_limited_total{agent="bot",rule="agent"} 1',
      'portcullis_store_errors_total 1',
      'portcullis_audit_queue_depth{sink="file"} 0',
      'portcullis_audit_queue_depth{sink="http"} 12',
      'portcullis_audit_dropped_total{sink="http"} 3',
      'portcullis_leaf_cache_total{result="hit"} 2',
      'portcullis_leaf_cache_total{result="miss"} 1',
      'portcullis_leaf_issue_seconds_count 1',
      'portcullis_suspensions_total{agent="*",by="alice"} 1',
      'portcullis_approvals_total{result="approved"} 1',
      'portcullis_approvals_total{result="expired"} 1',
      `portcullis_policy_info{version="${admin.config().version}"} 1`,
    ];
    for (const line of expected) expect(text.split('\n')).toContain(line);
    // Process metrics share the registry.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });
});

describe('Metrics', () => {
  it('two instances in one process keep separate registries', async () => {
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.storeError();
    a.storeError();
    b.storeError();
    expect(await a.registry.getSingleMetricAsString('portcullis_store_errors_total')).toMatch(/^portcullis_store_errors_total 2$/m);
    expect(await b.registry.getSingleMetricAsString('portcullis_store_errors_total')).toMatch(/^portcullis_store_errors_total 1$/m);
  });

  it('bounds the suspension `by` label: sanitised, and at most 50 distinct values', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.suspension('*', 'Alice Smith <alice@acme.example>');
    for (let i = 0; i < 60; i++) m.suspension('*', `user-${i}`);
    const text = await m.registry.getSingleMetricAsString('portcullis_suspensions_total');
    expect(text).toContain('by="Alice_Smith__alice@acme.example_"');
    expect(text).toContain('by="user-48"');
    expect(text).not.toContain('by="user-49"');
    expect(text).toContain('portcullis_suspensions_total{agent="*",by="other"} 11');
  });

  it('skips zero and negative amounts so counters only ever grow by real traffic', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.bytes('to_agent', 0);
    m.spend('x', 'daily', 0);
    m.auditDropped('file', 0);
    for (const name of ['portcullis_request_bytes_total', 'portcullis_spend_usd_total', 'portcullis_audit_dropped_total']) {
      expect(await m.registry.getSingleMetricAsString(name)).not.toMatch(/\{.*\} \d/);
    }
  });
});
