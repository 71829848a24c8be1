import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NANO_PER_USD, StoreUnavailableError } from '../../src/limits/types.ts';
import { errorOf, startAdmin, type AdminFixture } from './fixture.ts';

const post = (body?: unknown): RequestInit => ({ method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('agents and the kill switch', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterEach(async () => {
    for (const s of admin.governance.suspensions()) await admin.governance.resume(s.agent, { by: 'test' });
  });
  afterAll(() => admin.close());

  it('GET /v1/agents lists each agent with mode, team, suspension, tunnels and budget spend', async () => {
    const config = admin.config();
    const bot = config.policy.agents.get('bot');
    const now = Date.now();
    const acquired = await admin.store.acquire({
      agentId: 'bot', team: 'finance', rates: [], budgets: config.budgets.get('bot') ?? [],
      estimateNano: 2 * NANO_PER_USD, now, reservationTtlMs: 60_000,
    });
    if (!acquired.ok || acquired.reservation === null || bot === undefined) throw new Error('setup failed');
    await admin.store.settle(acquired.reservation, 12.41 * NANO_PER_USD, now);
    admin.tunnels.set('bot', 3);

    const response = await admin.call('/v1/agents');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.suspended_all).toBeNull();
    expect(body.agents.map((a: { id: string }) => a.id)).toEqual(['bot', 'observer']);
    const [botRow, observerRow] = body.agents;
    expect(botRow).toMatchObject({ id: 'bot', team: 'finance', mode: 'enforce', suspended: false, suspension: null, open_tunnels: 3 });
    expect(botRow.budgets).toEqual([
      { id: 'daily', owner: 'bot', spent_usd: 12.41, reserved_usd: 0, limit_usd: 50, remaining_usd: 37.59, resets_at: expect.stringMatching(/T00:00:00\.000Z$/) },
      { id: 'monthly', owner: 'team:finance', spent_usd: 12.41, reserved_usd: 0, limit_usd: 2000, remaining_usd: 1987.59, resets_at: expect.stringMatching(/-01T00:00:00\.000Z$/) },
    ]);
    expect(observerRow).toMatchObject({ id: 'observer', team: null, mode: 'report', suspended: false, open_tunnels: 0, budgets: [] });
    // Reading the agents refreshes the remaining-budget gauge.
    expect(await admin.metrics.registry.getSingleMetricAsString('portcullis_budget_remaining_usd'))
      .toContain('portcullis_budget_remaining_usd{agent="bot",budget="daily"} 37.59');
  });

  it('suspends and resumes one agent, records who did it, and lists the suspension', async () => {
    const suspended = await admin.call('/v1/agents/bot/suspend', post({ reason: 'runaway loop', by: 'alice' }));
    expect(suspended.status).toBe(200);
    expect(await suspended.json()).toEqual({ agent: 'bot', suspended: true, reason: 'runaway loop', by: 'alice' });
    expect(admin.governance.suspension('bot')).toMatchObject({ agent: 'bot', reason: 'runaway loop', by: 'alice' });
    expect(admin.governance.suspension('observer')).toBeNull();

    const listed = (await (await admin.call('/v1/agents')).json()).agents[0];
    expect(listed).toMatchObject({ id: 'bot', suspended: true, suspension: { agent: 'bot', reason: 'runaway loop', by: 'alice', at: expect.any(String) } });
    expect(await admin.metrics.registry.getSingleMetricAsString('portcullis_suspensions_total'))
      .toContain('portcullis_suspensions_total{agent="bot",by="alice"} 1');

    const resumed = await admin.call('/v1/agents/bot/resume', post());
    expect(await resumed.json()).toEqual({ agent: 'bot', suspended: false });
    expect(admin.governance.suspension('bot')).toBeNull();
  });

  it('suspends without a body: no reason, by admin', async () => {
    const response = await admin.call('/v1/agents/observer/suspend', post());
    expect(await response.json()).toEqual({ agent: 'observer', suspended: true, reason: null, by: 'admin' });
  });

  it('suspend-all suspends everyone; resuming one agent says suspend-all still holds; resume-all lifts it', async () => {
    await admin.call('/v1/agents/observer/suspend', post({ reason: 'separately' }));
    const all = await admin.call('/v1/suspend-all', post({ reason: 'incident 42' }));
    expect(await all.json()).toEqual({ agent: '*', suspended: true, reason: 'incident 42', by: 'admin' });
    expect(admin.governance.suspension('bot')).toMatchObject({ agent: '*', reason: 'incident 42' });

    const listing = await (await admin.call('/v1/agents')).json();
    expect(listing.suspended_all).toMatchObject({ agent: '*', reason: 'incident 42', by: 'admin' });
    expect(listing.agents.every((a: { suspended: boolean }) => a.suspended)).toBe(true);

    const resumeBot = await (await admin.call('/v1/agents/bot/resume', post())).json();
    expect(resumeBot).toEqual({ agent: 'bot', suspended: true, message: "'bot' is resumed, but suspend-all is still in force" });

    const resumeAll = await admin.call('/v1/resume-all', post({ by: 'bob' }));
    expect(await resumeAll.json()).toEqual({ agent: '*', suspended: false, suspended_agents: ['observer'] });
    expect(admin.governance.suspension('bot')).toBeNull();
    expect(admin.governance.suspension('observer')).toMatchObject({ reason: 'separately' });
  });

  it('404 for an unknown agent, with the nearest id as a hint, and nothing suspended', async () => {
    const error = await errorOf(await admin.call('/v1/agents/bto/suspend', post()), 404);
    expect(error).toEqual({ code: 'unknown_agent', message: "no agent 'bto' is configured; did you mean 'bot'?" });
    expect(await errorOf(await admin.call('/v1/agents/nobody/resume', post()), 404))
      .toEqual({ code: 'unknown_agent', message: "no agent 'nobody' is configured" });
    expect(await errorOf(await admin.call('/v1/agents/%2A/suspend', post()), 404))
      .toEqual({ code: 'unknown_agent', message: "no agent '*' is configured" });
    expect(admin.governance.suspensions()).toEqual([]);
  });

  it('400 for bad suspend bodies, field by field', async () => {
    const cases: [unknown, string][] = [
      [{ reason: 5 }, "'reason' must be a string, not number 5"],
      [{ reason: '' }, "'reason' must not be empty"],
      [{ reason: 'x'.repeat(501) }, "'reason' is longer than 500 characters"],
      [{ reasn: 'typo' }, "unknown field 'reasn' (accepted: by, reason)"],
      [['reason'], 'the body must be a JSON object, not an array'],
      ['stop', 'the body must be a JSON object, not string "stop"'],
    ];
    for (const [body, message] of cases) {
      expect(await errorOf(await admin.call('/v1/agents/bot/suspend', post(body)), 400)).toEqual({ code: 'invalid_body', message });
    }
    expect(await errorOf(await admin.call('/v1/resume-all', post({ reason: 'x' })), 400))
      .toEqual({ code: 'invalid_body', message: "unknown field 'reason' (accepted: by)" });
    expect(admin.governance.suspensions()).toEqual([]);
  });

  it('400 for malformed JSON', async () => {
    const error = await errorOf(await admin.call('/v1/agents/bot/suspend', { method: 'POST', body: '{"reason": ' }), 400);
    expect(error.code).toBe('malformed_json');
    expect(error.message).toMatch(/^the body is not valid JSON: /);
  });

  it('503 store_unavailable when the counter store does not answer, without the cause', async () => {
    const original = admin.store.budgetStates.bind(admin.store);
    admin.store.budgetStates = () => Promise.reject(new StoreUnavailableError('redis://:hunter2@store timed out'));
    try {
      const response = await admin.call('/v1/agents');
      expect(await errorOf(response, 503)).toEqual({ code: 'store_unavailable', message: 'the store is unreachable; try again' });
    } finally {
      admin.store.budgetStates = original;
    }
  });
});
