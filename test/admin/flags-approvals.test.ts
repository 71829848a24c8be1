import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/governance/types.ts';
import { errorOf, startAdmin, type AdminFixture } from './fixture.ts';

const json = (method: string, body?: unknown): RequestInit => ({ method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

const REQUEST: ApprovalRequest = {
  agent: 'bot',
  rule: 'web/deploy',
  method: 'POST',
  url: 'https://deploy.example.com/release?token=abc&env=prod',
  bodyBytes: 42,
  bodySha256: `sha256:${'ab'.repeat(32)}`,
  timeoutMs: 60_000,
};

describe('flags', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  it('PUT sets a flag that GET lists and the governance reads', async () => {
    const set = await admin.call('/v1/flags/release', json('PUT', { value: true }));
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ flag: 'release', value: true });
    expect(admin.governance.flag('release')).toBe(true);

    await admin.call('/v1/flags/freeze', json('PUT', { value: false, by: 'carol' }));
    expect(await (await admin.call('/v1/flags')).json()).toEqual({ flags: { release: true, freeze: false } });
  });

  it('400 for a value that is not a boolean, or no body', async () => {
    const cases: [unknown, string][] = [
      [{ value: 'true' }, `'value' must be true or false, not string "true"`],
      [{ value: 1 }, "'value' must be true or false, not number 1"],
      [{ value: null }, "'value' must be true or false, not null"],
      [{}, "'value' is required (true or false)"],
      [{ value: true, extra: 1 }, "unknown field 'extra' (accepted: value, by)"],
      [undefined, 'a JSON object body is required'],
    ];
    for (const [body, message] of cases) {
      expect(await errorOf(await admin.call('/v1/flags/incident', json('PUT', body)), 400)).toEqual({ code: 'invalid_body', message });
    }
    expect(admin.governance.flags()).not.toHaveProperty('incident');
  });

  it('400 for a flag name outside the allowed alphabet', async () => {
    for (const name of ['bad%20name', '-leading', 'a%2Fb', 'x'.repeat(65)]) {
      const error = await errorOf(await admin.call(`/v1/flags/${name}`, json('PUT', { value: true })), 400);
      expect(error.code).toBe('invalid_flag_name');
      expect(error.message).toContain("must be 1-64 letters, digits, '_', '.' or '-'");
    }
  });

  it('405 with an allow header for a wrong method', async () => {
    const response = await admin.call('/v1/flags/release', json('POST', { value: true }));
    expect(response.headers.get('allow')).toBe('PUT');
    expect(await errorOf(response, 405)).toEqual({ code: 'method_not_allowed', message: 'POST is not allowed on /v1/flags/release (allowed: PUT)' });
    const listing = await admin.call('/v1/flags', json('DELETE'));
    expect(listing.headers.get('allow')).toBe('GET, HEAD');
    await errorOf(listing, 405);
  });
});

describe('approvals', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  it('lists a pending approval in the SPEC §7 shape, without query values', async () => {
    const waiting = admin.governance.awaitApproval(REQUEST, new AbortController().signal);
    const response = await admin.call('/v1/approvals?state=pending');
    expect(response.status).toBe(200);
    const { approvals } = await response.json();
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toEqual({
      id: expect.any(String),
      agent: 'bot',
      rule: 'web/deploy',
      method: 'POST',
      url: expect.not.stringContaining('abc'),
      body_bytes: 42,
      body_sha256: REQUEST.bodySha256,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      state: 'pending',
      decided_by: null,
      comment: null,
      decided_at: null,
    });
    expect(approvals[0].url).toMatch(/^https:\/\/deploy\.example\.com\/release/);
    expect(Date.parse(approvals[0].expires_at) - Date.parse(approvals[0].created_at)).toBe(60_000);

    const approved = await admin.call(`/v1/approvals/${approvals[0].id}/approve`, json('POST', { by: 'alice', comment: 'ship it' }));
    expect(approved.status).toBe(200);
    expect((await approved.json()).approval).toMatchObject({ id: approvals[0].id, state: 'approved', decided_by: 'alice', comment: 'ship it' });
    expect(await waiting).toMatchObject({ state: 'approved', approval: { decidedBy: 'alice', comment: 'ship it' } });

    // Single use: a second decision on the same id is a conflict.
    const again = await errorOf(await admin.call(`/v1/approvals/${approvals[0].id}/deny`, json('POST', { by: 'bob' })), 409);
    expect(again).toEqual({ code: 'approval_not_pending', message: `approval '${approvals[0].id}' is already approved by alice` });

    expect(await (await admin.call('/v1/approvals?state=pending')).json()).toEqual({ approvals: [] });
    const all = await (await admin.call('/v1/approvals')).json();
    expect(all.approvals.map((a: { state: string }) => a.state)).toEqual(['approved']);
  });

  it('deny resolves the waiting request as denied', async () => {
    const waiting = admin.governance.awaitApproval(REQUEST, new AbortController().signal);
    const [pending] = (await (await admin.call('/v1/approvals?state=pending')).json()).approvals;
    const denied = await admin.call(`/v1/approvals/${pending.id}/deny`, json('POST', { by: 'bob' }));
    expect((await denied.json()).approval).toMatchObject({ state: 'denied', decided_by: 'bob', comment: null });
    expect((await waiting).state).toBe('denied');
  });

  it('404 for an unknown approval', async () => {
    const error = await errorOf(await admin.call('/v1/approvals/01NOSUCHAPPROVAL/approve', json('POST', { by: 'alice' })), 404);
    expect(error).toEqual({ code: 'approval_not_found', message: "no approval '01NOSUCHAPPROVAL'" });
  });

  it('400 when `by` is missing or the body is wrong', async () => {
    const cases: [unknown, string][] = [
      [{}, "'by' is required"],
      [{ by: '' }, "'by' must not be empty"],
      [{ by: 'alice', comment: 7 }, "'comment' must be a string, not number 7"],
      [{ by: 'alice', reason: 'x' }, "unknown field 'reason' (accepted: by, comment)"],
      [undefined, 'a JSON object body is required'],
    ];
    for (const [body, message] of cases) {
      expect(await errorOf(await admin.call('/v1/approvals/01ABC/approve', json('POST', body)), 400)).toEqual({ code: 'invalid_body', message });
    }
  });

  it('400 for an unknown state or an unknown query parameter', async () => {
    expect(await errorOf(await admin.call('/v1/approvals?state=waiting'), 400)).toEqual({
      code: 'invalid_query', message: "state must be one of pending, approved, denied, expired, withdrawn, not 'waiting'",
    });
    expect(await errorOf(await admin.call('/v1/approvals?status=pending'), 400)).toEqual({
      code: 'invalid_query', message: "unknown query parameter 'status' (accepted: state)",
    });
    expect(await errorOf(await admin.call('/v1/flags?x=1'), 400)).toEqual({
      code: 'invalid_query', message: "unknown query parameter 'x' (this endpoint takes none)",
    });
  });
});
