import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, configYaml, errorOf, OPENAI_KEY, startAdmin, type AdminFixture } from './fixture.ts';

const post = (body?: unknown): RequestInit => ({ method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('policy and reload', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  it('GET /v1/policy returns the version and the effective config with secrets redacted', async () => {
    const response = await admin.call('/v1/policy');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(ADMIN_TOKEN);
    const body = JSON.parse(text);
    expect(body.version).toBe(admin.config().version);
    expect(body.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body.config.agents.bot).toMatchObject({ team: 'finance', policies: ['web'] });
    expect(body.config.secrets.openai).not.toBe(OPENAI_KEY);
  });

  it('POST /v1/reload swaps in a valid config and reports both versions', async () => {
    const before = admin.config().version;
    await writeFile(admin.configFile, configYaml({ extraAgent: true }));
    const response = await admin.call('/v1/reload', post());
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ reloaded: true, version: admin.config().version, previous_version: before, changed: true });
    expect(body.version).not.toBe(before);
    const agents = await (await admin.call('/v1/agents')).json();
    expect(agents.agents.map((a: { id: string }) => a.id)).toEqual(['bot', 'newcomer', 'observer']);
    const metrics = await admin.metrics.registry.metrics();
    expect(metrics).toContain(`portcullis_policy_info{version="${body.version}"} 1`);
    expect(metrics).not.toContain(`portcullis_policy_info{version="${before}"}`);
    expect(metrics).toContain('portcullis_config_reloads_total{result="success"} 1');
  });

  it('POST /v1/reload with an invalid file is 422 with located issues, and keeps the old config', async () => {
    const before = admin.config().version;
    const good = await readFile(admin.configFile, 'utf8');
    await writeFile(admin.configFile, good.replace('mode: report', 'mode: sometimes'));
    try {
      const response = await admin.call('/v1/reload', post());
      expect(response.status).toBe(422);
      const { error } = await response.json();
      expect(error.code).toBe('config_invalid');
      expect(error.message).toBe(`the new config is invalid (1 issue); version ${before} stays in force`);
      expect(error.issues).toEqual([{
        file: admin.configFile,
        line: expect.any(Number),
        column: expect.any(Number),
        path: 'agents.observer.mode',
        message: expect.stringContaining('sometimes'),
      }]);
      expect(admin.config().version).toBe(before);
      expect(await admin.metrics.registry.metrics()).toContain('portcullis_config_reloads_total{result="failure"} 1');
    } finally {
      await writeFile(admin.configFile, good);
    }
  });

  it('POST /v1/reload refuses a body with fields', async () => {
    expect(await errorOf(await admin.call('/v1/reload', post({ force: true })), 400))
      .toEqual({ code: 'invalid_body', message: "unknown field 'force' (no fields are accepted)" });
  });
});

describe('POST /v1/explain', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  const explain = async (body: unknown) => {
    const response = await admin.call('/v1/explain', post(body));
    expect(response.status).toBe(200);
    return response.json();
  };

  it('explains an allowed request with the same trace as the CLI', async () => {
    const body = await explain({ agent: 'bot', method: 'get', url: 'https://API.example.com/v1/items?q=secret' });
    expect(body).toMatchObject({
      agent: 'bot',
      method: 'GET',
      decision: 'allow',
      code: 'ok',
      rule: 'web/read',
      message: 'allowed by rule web/read',
      policy_version: admin.config().version,
      target: { scheme: 'https', host: 'api.example.com', port: 443, path: '/v1/items' },
      flag_overrides: {},
    });
    const killSwitch = body.trace.find((s: { check: string }) => s.check === 'kill switch');
    expect(killSwitch).toEqual({ check: 'kill switch', result: 'pass', detail: 'not suspended (live state of this gateway)' });
  });

  it('never shows injected secret values', async () => {
    const text = await (await admin.call('/v1/explain', post({ agent: 'bot', method: 'POST', url: 'https://api.openai.com/v1/chat/completions' }))).text();
    expect(text).toContain('injects header authorization (value not shown)');
    expect(text).not.toContain(OPENAI_KEY);
  });

  it('reads live flags unless the body overrides them', async () => {
    const request = { agent: 'bot', method: 'POST', url: 'https://deploy.example.com/go' };
    expect((await explain(request)).code).toBe('condition_not_met');
    await admin.governance.setFlag('release', true, { by: 'test' });
    expect((await explain(request)).decision).toBe('allow');
    const overridden = await explain({ ...request, flags: { release: false } });
    expect(overridden).toMatchObject({ code: 'condition_not_met', flag_overrides: { release: false } });
    await admin.governance.setFlag('release', false, { by: 'test' });
  });

  it('a live suspension denies with agent_suspended and skips every later check', async () => {
    await admin.governance.suspend('bot', { by: 'alice' }, 'runaway');
    try {
      const body = await explain({ agent: 'bot', method: 'GET', url: 'https://api.example.com/v1/items' });
      expect(body).toMatchObject({ decision: 'deny', code: 'agent_suspended', rule: null, message: "agent 'bot' is suspended" });
      const checks = body.trace.map((s: { check: string; result: string }) => `${s.check}:${s.result}`);
      expect(checks.slice(0, 2)).toEqual(['identity:pass', 'kill switch:fail']);
      expect(body.trace[1].detail).toMatch(/^the agent is suspended by alice at .*: runaway$/);
      expect(body.trace.slice(2).every((s: { result: string }) => s.result === 'skip')).toBe(true);
    } finally {
      await admin.governance.resume('bot', { by: 'test' });
    }
  });

  it('uses `at` for schedules and echoes it', async () => {
    const body = await explain({ agent: 'observer', method: 'GET', url: 'http://elsewhere.example.org/', at: '2026-01-05T09:30:00Z' });
    expect(body).toMatchObject({ at: '2026-01-05T09:30:00.000Z', decision: 'report', code: 'no_matching_rule' });
  });

  it('404 for an unknown agent, with a hint', async () => {
    expect(await errorOf(await admin.call('/v1/explain', post({ agent: 'bott', method: 'GET', url: 'https://a.example/' })), 404))
      .toEqual({ code: 'unknown_agent', message: "no agent 'bott' is configured; did you mean 'bot'?" });
  });

  it('400 for each malformed field', async () => {
    const ok = { agent: 'bot', method: 'GET', url: 'https://api.example.com/v1/x' };
    const cases: [unknown, string][] = [
      [{ ...ok, agent: undefined }, "'agent' is required"],
      [{ ...ok, method: 'G E T' }, "'G E T' is not an HTTP method"],
      [{ ...ok, method: 7 }, "'method' must be a string, not number 7"],
      [{ ...ok, url: 'ftp://x/' }, "'url' must be an absolute http:// or https:// URL, not 'ftp://x/'"],
      [{ ...ok, flags: { release: 'yes' } }, `flag 'release' must be true or false, not string "yes"`],
      [{ ...ok, flags: ['release'] }, "'flags' must be an object of flag name → true|false, not an array"],
      [{ ...ok, at: '2026-01-05 09:30' }, "'at' must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, not '2026-01-05 09:30'"],
      [{ ...ok, extra: 1 }, "unknown field 'extra' (accepted: agent, method, url, flags, at)"],
    ];
    for (const [body, message] of cases) {
      expect(await errorOf(await admin.call('/v1/explain', post(body)), 400)).toEqual({ code: 'invalid_body', message });
    }
  });
});
