// Redis-only behaviour: the poll that covers a lost pub/sub message, fail-static when Redis
// dies, start-up without Redis, record expiry, and a record altered in the store.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.ts';
import { governanceKeys } from '../../src/governance/redis-keys.ts';
import { RedisGovernance, type RedisGovernanceOptions } from '../../src/governance/redis-governance.ts';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis.ts';
import { approvalRequest, pendingId, silent, within } from './backends.ts';

const HOUR = 60 * 60 * 1000;

describe.skipIf(!redisAvailable)('RedisGovernance', () => {
  let redis: TestRedis;
  let raw: Redis;
  let opened: RedisGovernance[] = [];
  let n = 0;
  let prefix = '';

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    await Promise.all(opened.map((g) => g.close()));
    opened = [];
    raw?.disconnect();
  });

  async function replica(options: Partial<RedisGovernanceOptions> = {}): Promise<RedisGovernance> {
    const g = await RedisGovernance.connect(redis.url, { log: silent, prefix, ...options });
    opened.push(g);
    return g;
  }
  // The test's own view of the store; its connection errors while Redis is down are expected.
  function rawClient(): Redis {
    const client = new Redis(redis.url);
    client.on('error', () => {});
    return client;
  }
  function fresh(): ReturnType<typeof governanceKeys> {
    prefix = `r${process.pid}-${++n}`;
    raw = rawClient();
    return governanceKeys(prefix);
  }

  it('the poll alone brings a suspension to a replica within a second (a lost pub/sub message)', async () => {
    const keys = fresh();
    const b = await replica();
    const closed: string[] = [];
    b.onSuspend((agent) => closed.push(agent));

    const started = performance.now();
    await raw.hset(keys.suspensions, 'finance-auditor', JSON.stringify({ agent: 'finance-auditor', reason: 'r', by: 'ops', at: new Date().toISOString() }));
    await within(1_000, () => b.suspension('finance-auditor') !== null);

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(closed).toEqual(['finance-auditor']);
    expect(b.suspension('finance-auditor')).toMatchObject({ by: 'ops', reason: 'r' });
  });

  it('the poll alone ends a hold whose decision message was lost', async () => {
    const keys = fresh();
    const a = await replica();
    const held = a.awaitApproval(approvalRequest(), new AbortController().signal);
    const id = await pendingId(a);

    await raw.hset(keys.approval(id), 'state', 'approved', 'decided_by', 'alice', 'decided_ms', String(Date.now()));

    expect(await held).toMatchObject({ state: 'approved', approval: { decidedBy: 'alice' } });
  });

  it('fail-static: with Redis dead the last known switches hold, writes and approvals fail with 503', async () => {
    fresh();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const a = await replica({ log });
    await a.suspend('finance-auditor', { by: 'alice' }, 'incident');
    await a.setFlag('freeze', true, { by: 'alice' });

    await redis.kill();
    try {
      await within(2_000, () => !a.healthy);
      expect(a.suspension('finance-auditor')).toMatchObject({ reason: 'incident' });
      expect(a.suspension('other')).toBeNull();
      expect(a.flag('freeze')).toBe(true);
      expect(lines.filter((line) => line.includes('fail-static'))).toHaveLength(1);

      const write = await a.suspend('other', { by: 'alice' }, null).catch((e: unknown) => e);
      expect(write).toBeInstanceOf(GatewayError);
      expect(write).toMatchObject({ code: 'store_unavailable', status: 503 });
      await expect(a.awaitApproval(approvalRequest(), new AbortController().signal))
        .rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(a.approvals()).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await redis.restart();
    }
    await within(5_000, () => a.healthy);
    // The restarted Redis is empty, and the store is the truth.
    expect(a.suspension('finance-auditor')).toBeNull();
  });

  it('a hold whose timeout comes while Redis is down is refused as store_unavailable, never approved', async () => {
    fresh();
    const a = await replica();
    const held = a.awaitApproval(approvalRequest({ timeoutMs: 300 }), new AbortController().signal);
    await pendingId(a);

    await redis.kill();
    try {
      const err = await held.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ code: 'store_unavailable', status: 503 });
    } finally {
      await redis.restart();
    }
  });

  it('starts while Redis is down, unhealthy, and catches up when it returns', async () => {
    const keys = fresh();
    await redis.kill();
    let a: RedisGovernance;
    try {
      a = await replica();
      expect(a.healthy).toBe(false);
      expect(a.suspension('finance-auditor')).toBeNull();
    } finally {
      await redis.restart();
    }
    raw.disconnect();
    raw = rawClient();
    await raw.hset(keys.suspensions, '*', JSON.stringify({ agent: '*', reason: null, by: 'ops', at: new Date().toISOString() }));
    await within(5_000, () => a.healthy && a.suspension('finance-auditor') !== null);
    expect(a.suspension('finance-auditor')).toMatchObject({ agent: '*' });
  });

  it('records expire timeout + retention after creation, and retention after their decision', async () => {
    const keys = fresh();
    const a = await replica({ retentionMs: HOUR });
    const held = a.awaitApproval(approvalRequest({ timeoutMs: 60_000 }), new AbortController().signal);
    const id = await pendingId(a);

    const pendingTtl = await raw.pttl(keys.approval(id));
    expect(pendingTtl).toBeGreaterThan(HOUR + 55_000);
    expect(pendingTtl).toBeLessThanOrEqual(HOUR + 60_000);
    expect(await raw.zscore(keys.pending, id)).not.toBeNull();

    await a.decideApproval(id, 'deny', { by: 'bob' });
    await held;
    const decidedTtl = await raw.pttl(keys.approval(id));
    expect(decidedTtl).toBeGreaterThan(HOUR - 5_000);
    expect(decidedTtl).toBeLessThanOrEqual(HOUR);
    expect(await raw.zscore(keys.pending, id)).toBeNull();
    expect(await raw.zscore(keys.decided, id)).not.toBeNull();
  });

  it('drops a pending id whose record has already expired out of Redis', async () => {
    const keys = fresh();
    const a = await replica();
    await raw.zadd(keys.pending, 0, 'ghost');

    expect(await a.approvals()).toEqual([]);
    expect(await raw.zscore(keys.pending, 'ghost')).toBeNull();
  });

  it('a pending approval past its expiry is listed as expired by any replica, and its holder ends', async () => {
    fresh();
    const a = await replica();
    // B's clock runs a minute ahead: to B, A's 10 s approval is long past its expiry (as when
    // A's timer has not fired yet, or A died holding it).
    const b = await replica({ now: () => Date.now() + 60_000 });
    const held = a.awaitApproval(approvalRequest({ timeoutMs: 10_000 }), new AbortController().signal);
    const id = await pendingId(a);

    expect((await b.approvals()).map((x) => [x.id, x.state])).toEqual([[id, 'expired']]);
    expect(await held).toMatchObject({ state: 'expired', approval: { id, decidedBy: null } });
    await expect(b.decideApproval(id, 'approve', { by: 'alice' })).rejects.toMatchObject({ status: 409 });
  });

  it('a human decision after the expiry is a 409 and ends the hold as expired', async () => {
    fresh();
    const a = await replica();
    const b = await replica({ now: () => Date.now() + 60_000 });
    const held = a.awaitApproval(approvalRequest({ timeoutMs: 10_000 }), new AbortController().signal);
    const id = await pendingId(a);

    const late = await b.decideApproval(id, 'approve', { by: 'alice' }).catch((e: unknown) => e);
    expect(late).toMatchObject({ status: 409, message: expect.stringContaining('expired at') });
    expect((await held).state).toBe('expired');
  });

  it('refuses to release a request whose approved record no longer matches it', async () => {
    const keys = fresh();
    const a = await replica();
    const held = a.awaitApproval(approvalRequest(), new AbortController().signal);
    const id = await pendingId(a);

    await raw.hset(keys.approval(id), 'body_sha256', `sha256:${'00'.repeat(32)}`);
    await a.decideApproval(id, 'approve', { by: 'alice' });

    const err = await held.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'approval_denied', message: expect.stringContaining('bodySha256 differs') });
  });
});
