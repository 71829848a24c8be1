import { appendFile, rename, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SCAN_RECORDS } from '../../src/admin/audit-query.ts';
import { auditSourceFor } from '../../src/admin/choose-audit-source.ts';
import { HashChain } from '../../src/audit/hash-chain.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { errorOf, startAdmin, type AdminFixture } from './fixture.ts';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

interface Spec {
  readonly agent: string;
  readonly decision: 'allow' | 'deny' | 'report';
  readonly code: string;
  /** Seconds after T0. */
  readonly at: number;
}

/** A SPEC §6 record, as the gateway writes it (its own fields, then sealed by the chain). */
function record(spec: Spec, n: number): object {
  return {
    ts: new Date(T0 + spec.at * 1000).toISOString(),
    id: `01TESTRECORD${String(n).padStart(14, '0')}`,
    agent: spec.agent,
    identity: { method: 'mtls', spiffe: null, fingerprint: 'sha256:00' },
    decision: spec.decision,
    code: spec.code,
    rule: spec.decision === 'allow' ? 'web/read' : null,
    mode: 'enforce',
    policy_version: 'sha256:test',
    request: { method: 'GET', scheme: 'https', host: 'api.example.com', port: 443, path: '/v1/x', bytes: 0, intercepted: true },
    destination: { ip: '203.0.113.7' },
    response: { status: 200, bytes: 10 },
    duration_ms: 12.5,
    usage: null,
    cost_usd: null,
    budgets: null,
    approval: null,
    message: null,
  };
}

/** Seals `specs` in order (oldest first) into JSON lines. */
function sealed(specs: readonly Spec[], chain = new HashChain('test-instance')): string[] {
  return specs.map((spec, i) => chain.seal(record(spec, i + 1)));
}

// 12 records a minute apart (ids 1..12): observer reports every third (3, 6, 9, 12); bot's
// others alternate allow (1, 5, 7, 11) and deny (2, 4, 8, 10).
const SPECS: Spec[] = Array.from({ length: 12 }, (_, i) => ({
  agent: i % 3 === 2 ? 'observer' : 'bot',
  decision: i % 3 === 2 ? 'report' : i % 2 === 0 ? 'allow' : 'deny',
  code: i % 3 === 2 ? 'no_matching_rule' : i % 2 === 0 ? 'ok' : 'denied_by_rule',
  at: i * 60,
}));

const idsOf = (records: { id: string }[]): number[] => records.map((r) => Number(r.id.slice(-14)));

describe('GET /v1/audit over a JSONL file sink', () => {
  let admin: AdminFixture;
  let lines: string[];
  beforeAll(async () => {
    admin = await startAdmin();
    lines = sealed(SPECS);
  });
  beforeEach(async () => {
    await writeFile(admin.auditFile, lines.join('\n') + '\n');
  });
  afterAll(() => admin.close());

  const page = async (query: string) => {
    const response = await admin.call(`/v1/audit${query}`);
    expect(response.status).toBe(200);
    return response.json();
  };

  it('returns every record newest first, exactly as sealed', async () => {
    const body = await page('');
    expect(idsOf(body.records)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(body.records[0]).toEqual(JSON.parse(lines[11] as string));
    expect(body.records[0].hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body).toMatchObject({ next_cursor: null, scanned: 12, unreadable: 0 });
  });

  it('filters by agent, decision and code', async () => {
    expect(idsOf((await page('?agent=observer')).records)).toEqual([12, 9, 6, 3]);
    expect(idsOf((await page('?agent=bot&decision=deny')).records)).toEqual([10, 8, 4, 2]);
    expect(idsOf((await page('?code=ok')).records)).toEqual([11, 7, 5, 1]);
    expect(idsOf((await page('?agent=nobody')).records)).toEqual([]);
  });

  it('filters by since and until (inclusive) and stops scanning well before since', async () => {
    const since = new Date(T0 + 8 * 60_000).toISOString();
    const until = new Date(T0 + 10 * 60_000).toISOString();
    const body = await page(`?since=${since}&until=${until}`);
    expect(idsOf(body.records)).toEqual([11, 10, 9]);
    // 12..9 are read, 8 (a minute before since) is within the slack, 7 ends the scan.
    expect(body).toMatchObject({ next_cursor: null, scanned: 6 });
  });

  it('pages through everything with the cursor: no gaps, no repeats', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body = await page(`?limit=5${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(body.records.length).toBeLessThanOrEqual(5);
      seen.push(...idsOf(body.records));
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
  });

  it('keeps filters across pages', async () => {
    const first = await page('?agent=bot&limit=3');
    expect(idsOf(first.records)).toEqual([11, 10, 8]);
    const second = await page(`?agent=bot&limit=3&cursor=${first.next_cursor}`);
    expect(idsOf(second.records)).toEqual([7, 5, 4]);
  });

  it('skips a half-written last line and counts damaged lines', async () => {
    await appendFile(admin.auditFile, '{"ts":"2026-03-02T11:00:00.000Z","agent":"bot"');
    const body = await page('?limit=2');
    expect(idsOf(body.records)).toEqual([12, 11]);

    await writeFile(admin.auditFile, `${lines[0]}\nnot json\n[1,2]\n${lines[1]}\n`);
    const damaged = await page('');
    expect(idsOf(damaged.records)).toEqual([2, 1]);
    expect(damaged).toMatchObject({ scanned: 4, unreadable: 2 });
  });

  it('refuses a cursor once the file was rotated', async () => {
    const first = await page('?limit=2');
    await rename(admin.auditFile, `${admin.auditFile}.1`);
    await writeFile(admin.auditFile, lines.slice(0, 3).join('\n') + '\n');
    expect(await errorOf(await admin.call(`/v1/audit?limit=2&cursor=${first.next_cursor}`), 400)).toEqual({
      code: 'invalid_cursor',
      message: 'the audit file was rotated since this cursor was issued; start again without a cursor',
    });
  });

  it('answers an empty page before the first record is written', async () => {
    await rename(admin.auditFile, `${admin.auditFile}.old`);
    expect(await page('')).toEqual({ records: [], next_cursor: null, scanned: 0, unreadable: 0 });
  });

  it('400 for each bad query parameter', async () => {
    const cases: [string, string, string][] = [
      ['?limit=0', 'invalid_query', "limit must be an integer from 1 to 1000, not '0'"],
      ['?limit=1001', 'invalid_query', "limit must be an integer from 1 to 1000, not '1001'"],
      ['?limit=ten', 'invalid_query', "limit must be an integer from 1 to 1000, not 'ten'"],
      ['?limit=1.5', 'invalid_query', "limit must be an integer from 1 to 1000, not '1.5'"],
      ['?since=yesterday', 'invalid_query', "since must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, not 'yesterday'"],
      ['?until=2026-03-02T10:00:00', 'invalid_query', "until must be an ISO 8601 time with a zone, e.g. 2026-01-05T09:30:00Z, not '2026-03-02T10:00:00'"],
      ['?since=2026-03-02T11:00:00Z&until=2026-03-02T10:00:00Z', 'invalid_query', 'since is later than until'],
      ['?decision=maybe', 'invalid_query', "decision must be one of allow, deny, report, not 'maybe'"],
      ['?code=nope', 'invalid_query', "code 'nope' is not a decision code (ok, or a deny code such as no_matching_rule)"],
      ['?agent=', 'invalid_query', "query parameter 'agent' must not be empty"],
      ['?agnet=bot', 'invalid_query', "unknown query parameter 'agnet' (accepted: agent, decision, code, since, until, limit, cursor)"],
      ['?agent=bot&agent=observer', 'invalid_query', "query parameter 'agent' is given more than once"],
      ['?cursor=%%%', 'invalid_cursor', 'malformed cursor'],
      [`?cursor=${Buffer.from('["redis-stream:x","1-0"]').toString('base64url')}`, 'invalid_cursor', 'the cursor belongs to another audit source; start again without a cursor'],
    ];
    for (const [query, code, message] of cases) {
      expect(await errorOf(await admin.call(`/v1/audit${query}`), 400), query).toEqual({ code, message });
    }
  });

  it('bounds the work of one request and resumes the scan with the cursor', async () => {
    const many = sealed(Array.from({ length: MAX_SCAN_RECORDS + 500 }, (_, i) => ({ agent: 'bot', decision: 'allow', code: 'ok', at: i })));
    await writeFile(admin.auditFile, many.join('\n') + '\n');
    const first = await page('?agent=observer');
    expect(first).toMatchObject({ records: [], scanned: MAX_SCAN_RECORDS, next_cursor: expect.any(String) });
    const rest = await page(`?agent=observer&cursor=${first.next_cursor}`);
    expect(rest).toEqual({ records: [], scanned: 500, unreadable: 0, next_cursor: null });
  });
});

describe('GET /v1/audit without a readable sink', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin({ auditSource: () => null });
  });
  afterAll(() => admin.close());

  it('is 404 and says which sinks it can read', async () => {
    expect(await errorOf(await admin.call('/v1/audit'), 404)).toEqual({
      code: 'audit_not_readable',
      message: 'no file or redis-stream audit sink is configured; GET /v1/audit reads one of them',
    });
  });
});

describe.skipIf(!redisAvailable)('GET /v1/audit over a Redis Stream sink', () => {
  const STREAM = 'portcullis:audit';
  let redis: TestRedis;
  let client: Redis;
  let admin: AdminFixture;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
    for (const line of sealed(SPECS)) await client.xadd(STREAM, '*', 'line', line);
    admin = await startAdmin({
      auditSource: (config) => auditSourceFor({ ...config, audit: { ...config.audit, sinks: [{ type: 'redis-stream', stream: STREAM, url: redis.url }] } }, () => client),
    });
  });
  afterAll(async () => {
    await admin?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('reads newest first with filters and pages with the cursor', async () => {
    const all = await (await admin.call('/v1/audit')).json();
    expect(idsOf(all.records)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);

    const first = await (await admin.call('/v1/audit?agent=bot&limit=4')).json();
    expect(idsOf(first.records)).toEqual([11, 10, 8, 7]);
    const second = await (await admin.call(`/v1/audit?agent=bot&limit=4&cursor=${first.next_cursor}`)).json();
    expect(idsOf(second.records)).toEqual([5, 4, 2, 1]);
  });

  it('503 without the cause when Redis is down', async () => {
    await redis.kill();
    try {
      const response = await admin.call('/v1/audit');
      expect(await errorOf(response, 503)).toEqual({
        code: 'audit_source_unavailable',
        message: 'the redis-stream:portcullis:audit audit sink cannot be read right now',
      });
    } finally {
      await redis.restart();
    }
  });
});

describe('auditSourceFor', () => {
  let admin: AdminFixture;
  beforeAll(async () => {
    admin = await startAdmin();
  });
  afterAll(() => admin.close());

  it('prefers a redis-stream sink (its url, else store.url), then a file sink, else none', () => {
    const config = admin.config();
    const urls: string[] = [];
    const redisFor = (url: string) => {
      urls.push(url);
      return new Redis({ lazyConnect: true });
    };
    const withSinks = (sinks: typeof config.audit.sinks, storeUrl: string | null = null) =>
      auditSourceFor({ ...config, store: { ...config.store, url: storeUrl }, audit: { ...config.audit, sinks } }, redisFor);

    const file = { type: 'file' as const, path: '/var/log/a.jsonl' };
    expect(withSinks([file, { type: 'redis-stream', stream: 's1', url: 'redis://one' }])?.key).toBe('redis-stream:s1');
    expect(withSinks([{ type: 'redis-stream', stream: 's2' }, file], 'redis://store')?.key).toBe('redis-stream:s2');
    expect(urls).toEqual(['redis://one', 'redis://store']);
    // A redis-stream sink with no URL anywhere cannot be read: the file sink is.
    expect(withSinks([{ type: 'redis-stream', stream: 's3' }, file])?.key).toBe('file:/var/log/a.jsonl');
    expect(withSinks([{ type: 'stdout' }])).toBeNull();
  });
});
