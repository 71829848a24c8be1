import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/audit/capture-log.ts';
import { startCollector, type Collector } from '../../../test/audit/collector.ts';
import { exchange } from '../../../test/audit/exchanges.ts';
import { slowCalls, timeCalls } from '../../../test/audit/timing.ts';
import { AuditLog } from '../audit-log.ts';

const SECRET = 'Bearer siem-token-do-not-log';

const until = async (ok: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('http sink', () => {
  let collector: Collector;
  beforeEach(async () => { collector = await startCollector(); });
  afterEach(async () => { await collector.close(); });

  it('POSTs ndjson batches by count, and a partial batch after the linger time, with the configured headers', async () => {
    const audit = new AuditLog([{ type: 'http', url: collector.url, headers: { Authorization: SECRET } }], 'sha256:v1', {
      log: captureLog().log, tuning: { http: { batchLines: 10, lingerMs: 60 } },
    });
    const started = performance.now();
    for (let i = 0; i < 25; i++) audit.write(exchange(i));
    await until(() => collector.requests.length === 3);
    expect(collector.requests.map((r) => r.lines.length)).toEqual([10, 10, 5]);
    expect(collector.requests[2]!.at - started).toBeGreaterThanOrEqual(50);
    await audit.flush();
    expect(collector.acknowledgedSeqs()).toEqual(range(1, 25));
    for (const r of collector.requests) {
      expect(r.headers['content-type']).toBe('application/x-ndjson');
      expect(r.headers['authorization']).toBe(SECRET);
    }
    const name = `http:${new URL(collector.url).origin}/ingest`;
    expect(audit.stats()[name]).toMatchObject({ written: 25, queued: 0, dropped: 0, accepting: true });
    await audit.close();
  });

  it('rides out a failing, then stalled collector: retries with backoff, drops only beyond the bound, loses nothing else', async () => {
    const captured = captureLog();
    const audit = new AuditLog([{ type: 'http', url: collector.url, headers: { authorization: SECRET } }], 'sha256:v1', {
      log: captured.log,
      tuning: {
        http: {
          maxLines: 40, batchLines: 10, lingerMs: 10, timeoutMs: 200,
          backoff: { baseMs: 20, capMs: 160 }, retryBudgetMs: 300,
        },
      },
    });
    const name = `http:${new URL(collector.url).origin}/ingest`;

    collector.mode = 'fail';
    for (let i = 0; i < 30; i++) audit.write(exchange(i));
    await until(() => collector.requests.length >= 5);
    const attempts = collector.requests.map((r) => r.at);
    const gaps = attempts.slice(1, 5).map((at, i) => at - attempts[i]!);
    // Retry n waits between half and all of min(160, 20·2^(n-1)) ms: the delays grow.
    expect(gaps[3]!).toBeGreaterThanOrEqual(75);
    expect(gaps[3]!).toBeGreaterThan(gaps[0]! * 2);
    expect(audit.stats()[name]).toMatchObject({ queued: 30, written: 0, dropped: 0 });
    // Every attempt was the same first batch, retried whole.
    expect(new Set(collector.requests.map((r) => r.lines.join('\n'))).size).toBe(1);

    collector.mode = 'stall';
    const stalledFrom = collector.requests.length;
    await until(() => collector.requests.length > stalledFrom);
    await new Promise((r) => setTimeout(r, 300));
    // Failing for longer than the retry budget: not accepting, so `available` is false.
    expect(audit.available).toBe(false);
    const exchanges = Array.from({ length: 20 }, (_, i) => exchange(30 + i));
    const timings = await timeCalls(20, (i) => audit.write(exchanges[i]!));
    expect(slowCalls(timings, 1)).toEqual([]);
    expect(Math.max(...timings.map((t) => t.wallMs))).toBeLessThan(50);
    expect(audit.stats()[name]).toMatchObject({ queued: 40, dropped: 10, written: 0, accepting: false });

    collector.mode = 'ok';
    expect(await audit.flush(5_000)).toBe(true);
    expect(collector.acknowledgedSeqs()).toEqual(range(1, 40));
    expect(audit.available).toBe(true);
    const stats = audit.stats()[name]!;
    expect(stats).toMatchObject({ queued: 0, dropped: 10, written: 40, accepting: true });
    expect(stats.failures).toBeGreaterThanOrEqual(collector.requests.filter((r) => r.mode !== 'ok').length);

    await audit.close();
    const logged = captured.lines();
    expect(logged.some((l) => l['msg'] === 'audit sink delivery failed; records stay queued and are retried' &&
      l['err'] === 'collector answered HTTP 500')).toBe(true);
    expect(logged.some((l) => l['msg'] === 'audit sink delivering again' && l['sink'] === name)).toBe(true);
    expect(logged.some((l) => l['dropped_total'] === 10)).toBe(true);
    expect(captured.text()).not.toContain('siem-token');
  });

  it('turns credentials in the url into Basic auth and keeps them out of the sink name', async () => {
    const withUser = collector.url.replace('http://', 'http://audit:p%40ss@');
    const audit = new AuditLog([{ type: 'http', url: withUser }], 'v', { log: captureLog().log });
    audit.write(exchange(0));
    await audit.flush();
    expect(collector.requests[0]!.headers['authorization']).toBe(`Basic ${Buffer.from('audit:p@ss').toString('base64')}`);
    expect(Object.keys(audit.stats())).toEqual([`http:${new URL(collector.url).origin}/ingest`]);
    await audit.close();
  });
});
