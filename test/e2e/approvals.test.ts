// The approval gate through two running gateways sharing Redis (issue 6): a request held on one
// replica is listed, approved or denied through either one, times out, or is withdrawn when the
// agent goes away; the upstream sees the exact body a human approved, and nothing otherwise.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { request, type ProxyAgent } from 'undici';
import { openProxy, sendConnect, tlsInTunnel } from '../helpers/clients.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { redisAvailable } from '../helpers/redis.ts';
import { agentDispatcher } from './fixture.ts';
import { eventually, recordOn, sample, useReplicas } from './replicas.ts';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe.skipIf(!redisAvailable)('approvals across two replicas sharing Redis', () => {
  const r = useReplicas((fx) => `
policies:
  github:
    rules:
      - id: merge
        host: "api.github.test:${fx.upstream.port}"
        methods: [POST]
        paths: ["/repos/acme/*/merges"]
        action: approve
        approval: { timeout: 10s }
      - id: quick
        host: "api.github.test:${fx.upstream.port}"
        methods: [POST]
        paths: ["/repos/acme/*/quick"]
        action: approve
        approval: { timeout: 500ms }
agents:
  finance-auditor:
    match: { spiffe: "spiffe://acme.internal/agent/finance-auditor" }
    policies: [github]
`);

  const dispatchers: ProxyAgent[] = [];
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  });

  /** Sends a POST through replica `a` and returns its (pending) outcome. */
  function post(path: string, body: string) {
    const dispatcher = agentDispatcher(r.on(r.a));
    dispatchers.push(dispatcher);
    return request(`https://api.github.test:${r.up}${path}`, {
      method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher,
    }).then(async (res) => ({ status: res.statusCode, headers: res.headers, text: await res.body.text() }));
  }

  /** The pending approval for `path` as `gw` lists it, waiting up to 3 s for it to appear. */
  async function pending(gw: TestGateway, path: string): Promise<Record<string, any>> {
    const { value } = await eventually(async () => {
      const res = await gw.admin('/v1/approvals?state=pending');
      expect(res.status).toBe(200);
      return (res.body.approvals as Record<string, any>[]).find((a) => new URL(a['url']).pathname === path);
    }, (found) => found !== undefined, 3000);
    expect(value, `a pending approval for ${path}`).toBeDefined();
    return value!;
  }

  it('is listed on the other replica without query values, approved there, and the upstream gets the exact body', async () => {
    const body = JSON.stringify({ sha: '6dcb09b5', commit_message: 'Merge pull request #7' });
    const path = '/repos/acme/infra/merges';
    const outcome = post(`${path}?access_token=s3cr3t-value&force=1`, body);

    const listed = await pending(r.b, path);
    expect(listed).toMatchObject({
      agent: 'finance-auditor',
      rule: 'github/merge',
      method: 'POST',
      url: `https://api.github.test:${r.up}${path}?access_token=&force=`,
      body_bytes: Buffer.byteLength(body),
      body_sha256: sha256(body),
      state: 'pending',
    });
    expect(Date.parse(listed['expires_at']) - Date.parse(listed['created_at'])).toBe(10_000);
    expect(JSON.stringify((await r.a.admin('/v1/approvals?state=pending')).body)).not.toContain('s3cr3t-value');
    expect(r.fx.upstream.seen.some((s) => s.url.startsWith(path)), 'held, not forwarded').toBe(false);

    const approved = await r.b.admin(`/v1/approvals/${listed['id']}/approve`, { body: { by: 'erin', comment: 'release train 12' } });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ id: listed['id'], state: 'approved', decided_by: 'erin', comment: 'release train 12' });

    const res = await outcome;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).body).toBe(body);
    const seen = r.fx.upstream.seen.filter((s) => s.url.startsWith(path));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toBe(body);
    expect(seen[0]!.url).toBe(`${path}?access_token=s3cr3t-value&force=1`);

    const record = await recordOn(r.a, (rec) => rec.request.path === path);
    expect(record).toMatchObject({
      decision: 'allow', code: 'ok', rule: 'github/merge', response: { status: 200 },
      approval: { id: listed['id'], state: 'approved', by: 'erin', comment: 'release train 12' },
    });
    expect(record!.request.bytes).toBe(Buffer.byteLength(body));
    expect(JSON.stringify(record)).not.toContain('s3cr3t-value');
    expect(sample((await r.a.admin('/metrics')).text, 'portcullis_approvals_total{result="approved"}')).toBe(1);
    // Single use: the same approval cannot be decided again, on either replica.
    expect((await r.a.admin(`/v1/approvals/${listed['id']}/deny`, { body: { by: 'mallory' } })).status).toBe(409);
  });

  it('denied by a human → 403 approval_denied, never forwarded, and the record names the approver', async () => {
    const path = '/repos/acme/payments/merges';
    const outcome = post(path, '{"sha":"deadbeef"}');
    const listed = await pending(r.a, path);
    expect((await r.a.admin(`/v1/approvals/${listed['id']}/deny`, { body: { by: 'frank', comment: 'not during the audit' } })).status).toBe(200);

    const res = await outcome;
    expect(res.status).toBe(403);
    expect(res.headers['x-portcullis-code']).toBe('approval_denied');
    const error = JSON.parse(res.text).error;
    expect(error).toMatchObject({ type: 'egress_denied', code: 'approval_denied', agent: 'finance-auditor' });
    expect(error.message).toContain('frank');
    expect(r.fx.upstream.seen.some((s) => s.url === path)).toBe(false);
    expect(await recordOn(r.a, (rec) => rec.request.path === path)).toMatchObject({
      decision: 'deny', code: 'approval_denied', rule: 'github/merge',
      approval: { id: listed['id'], state: 'denied', by: 'frank', comment: 'not during the audit' },
    });
  });

  it('nobody answers within approval.timeout → 403 approval_timeout', async () => {
    const path = '/repos/acme/infra/quick';
    const started = performance.now();
    const res = await post(path, '{}');
    const waited = performance.now() - started;
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.code).toBe('approval_timeout');
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(3000);
    expect(r.fx.upstream.seen.some((s) => s.url === path)).toBe(false);
    const record = await recordOn(r.a, (rec) => rec.request.path === path);
    expect(record).toMatchObject({ decision: 'deny', code: 'approval_timeout', rule: 'github/quick', approval: { state: 'expired', by: null } });
    const all = (await r.b.admin('/v1/approvals')).body.approvals as Record<string, any>[];
    expect(all.find((a) => a['id'] === record!.approval.id)).toMatchObject({ state: 'expired' });
  });

  it('the agent disconnecting withdraws its pending approval', async () => {
    const path = '/repos/acme/infra/merges';
    const socket = await openProxy(r.a.port, { ca: r.fx.pki.interceptionCa.cert, client: r.fx.pki.agents['finance-auditor'] });
    expect((await sendConnect(socket, `api.github.test:${r.up}`)).status).toBe(200);
    const inner = await tlsInTunnel(socket, 'api.github.test', r.fx.pki.interceptionCa.cert);
    const body = '{"sha":"withdrawn"}';
    inner.write(`POST ${path}?run=2 HTTP/1.1\r\nhost: api.github.test:${r.up}\r\ncontent-type: application/json\r\n` +
      `content-length: ${body.length}\r\n\r\n${body}`);
    const listed = await pending(r.b, path);
    expect(listed['body_sha256']).toBe(sha256(body));
    inner.destroy();
    socket.destroy();

    const { value } = await eventually(async () => {
      const all = (await r.b.admin('/v1/approvals')).body.approvals as Record<string, any>[];
      return all.find((a) => a['id'] === listed['id']);
    }, (found) => found?.['state'] === 'withdrawn', 3000);
    expect(value).toMatchObject({ state: 'withdrawn' });
    expect((await r.b.admin('/v1/approvals?state=pending')).body.approvals.map((a: any) => a.id)).not.toContain(listed['id']);
    // Too late to approve it now.
    expect((await r.b.admin(`/v1/approvals/${listed['id']}/approve`, { body: { by: 'erin' } })).status).toBe(409);
    expect(r.fx.upstream.seen.some((s) => s.body === body)).toBe(false);
    const record = await recordOn(r.a, (rec) => rec.approval?.id === listed['id']);
    expect(record).toMatchObject({ decision: 'deny', code: 'approval_denied', approval: { state: 'withdrawn' } });
  });
});
