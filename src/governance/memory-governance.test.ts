// Memory-only behaviour that needs the injected clock: expiry decided by the clock rather than
// the timer, and retention of decided approvals. The rest runs in test/governance for both stores.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryGovernance } from './memory-governance.ts';
import type { ApprovalRequest } from './types.ts';

const log = pino({ level: 'silent' });
const request: ApprovalRequest = {
  agent: 'a', rule: 'p/r', method: 'POST', url: 'https://h/p', bodyBytes: 0,
  bodySha256: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', timeoutMs: 60_000,
};

function clocked(): { g: MemoryGovernance; advance(ms: number): void } {
  let now = Date.parse('2026-03-02T10:00:00Z');
  return { g: new MemoryGovernance({ log, now: () => now, retentionMs: 3_600_000 }), advance: (ms) => void (now += ms) };
}

describe('MemoryGovernance with an injected clock', () => {
  it('stamps suspensions and approvals with the clock', async () => {
    const { g } = clocked();
    await g.suspend('a', { by: 'ops' }, null);
    expect(g.suspension('a')?.at).toBe('2026-03-02T10:00:00.000Z');

    const held = g.awaitApproval(request, new AbortController().signal);
    const [pending] = await g.approvals('pending');
    expect(pending).toMatchObject({ createdAt: '2026-03-02T10:00:00.000Z', expiresAt: '2026-03-02T10:01:00.000Z' });
    await g.decideApproval(pending!.id, 'deny', { by: 'ops' });
    expect((await held).state).toBe('denied');
  });

  it('an approve after expiresAt is a 409 and ends the hold as expired, timer or not', async () => {
    const { g, advance } = clocked();
    const held = g.awaitApproval(request, new AbortController().signal);
    const [pending] = await g.approvals('pending');

    advance(60_000);
    await expect(g.decideApproval(pending!.id, 'approve', { by: 'ops' }))
      .rejects.toMatchObject({ status: 409, message: expect.stringContaining('expired at 2026-03-02T10:01:00.000Z') });
    expect(await held).toMatchObject({ state: 'expired', approval: { decidedBy: null, decidedAt: '2026-03-02T10:01:00.000Z' } });
  });

  it('lists a pending approval past its expiry as expired', async () => {
    const { g, advance } = clocked();
    const held = g.awaitApproval(request, new AbortController().signal);
    advance(61_000);
    expect((await g.approvals()).map((x) => x.state)).toEqual(['expired']);
    expect((await held).state).toBe('expired');
  });

  it('forgets decided approvals after the retention', async () => {
    const { g, advance } = clocked();
    const held = g.awaitApproval(request, new AbortController().signal);
    const [pending] = await g.approvals('pending');
    await g.decideApproval(pending!.id, 'approve', { by: 'ops', comment: '' });
    expect((await held).approval.comment).toBeNull();

    advance(3_599_000);
    expect(await g.approvals('approved')).toHaveLength(1);
    advance(2_000);
    expect(await g.approvals()).toEqual([]);
  });
});
