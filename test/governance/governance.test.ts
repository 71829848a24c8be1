// One suite, both backends (STYLE §8): kill switch, flags and approvals as the admin API and the
// pipeline use them, seen across two replicas. Memory is one replica, so there A and B are one.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GovernanceError } from '../../src/governance/types.ts';
import { approvalRequest, BACKENDS, pendingId, within, type Backend, type Replicas } from './backends.ts';

const SHA_OTHER = `sha256:${'ab'.repeat(32)}`;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`governance (${backend.name})`, () => {
    let store: Awaited<ReturnType<Backend['start']>>;
    let r: Replicas;

    beforeAll(async () => {
      store = await backend.start();
    }, 30_000);
    afterAll(async () => {
      await store.stop();
    });
    const setUp = async (): Promise<Replicas> => (r = await backend.replicas(store.url));
    afterEach(async () => {
      await r.close();
    });

    describe('kill switch', () => {
      it('a suspension made on A is obeyed by B within a second, and B closes the agent\'s tunnels', async () => {
        const { a, b } = await setUp();
        const closedOnB: string[] = [];
        b.onSuspend((agent) => closedOnB.push(agent));

        await a.suspend('finance-auditor', { by: 'alice' }, 'runaway loop');
        const ms = await within(1_000, () => b.suspension('finance-auditor') !== null);

        expect(ms).toBeLessThan(1_000);
        expect(b.suspension('finance-auditor')).toMatchObject({ agent: 'finance-auditor', by: 'alice', reason: 'runaway loop' });
        expect(b.suspension('other-agent')).toBeNull();
        await within(1_000, () => closedOnB.includes('finance-auditor'));
        expect(closedOnB).toEqual(['finance-auditor']);
        expect(b.suspensions().map((s) => s.agent)).toEqual(['finance-auditor']);
      });

      it('resume on A lifts the suspension on B', async () => {
        const { a, b } = await setUp();
        await a.suspend('finance-auditor', { by: 'alice' }, null);
        await within(1_000, () => b.suspension('finance-auditor') !== null);

        await a.resume('finance-auditor', { by: 'bob' });
        const ms = await within(1_000, () => b.suspension('finance-auditor') === null);

        expect(ms).toBeLessThan(1_000);
        expect(b.suspensions()).toEqual([]);
      });

      it('suspend-all (`*`) stops every agent; resume-all lifts only the global switch', async () => {
        const { a, b } = await setUp();
        const closedOnB: string[] = [];
        b.onSuspend((agent) => closedOnB.push(agent));
        await a.suspend('finance-auditor', { by: 'alice' }, 'leaked key');
        await a.suspend('*', { by: 'alice' }, 'incident');
        await within(1_000, () => b.suspension('any-agent') !== null);

        expect(b.suspension('any-agent')).toMatchObject({ agent: '*', reason: 'incident' });
        await within(1_000, () => closedOnB.includes('*'));

        await a.resume('*', { by: 'alice' });
        await within(1_000, () => b.suspension('any-agent') === null);
        expect(b.suspension('finance-auditor')).toMatchObject({ agent: 'finance-auditor', reason: 'leaked key' });
      });

      it('refuses an empty agent id with a 400', async () => {
        const { a } = await setUp();
        await expect(a.suspend('', { by: 'alice' }, null)).rejects.toMatchObject({ status: 400, code: 'invalid_agent' });
      });
    });

    describe('flags', () => {
      it('a flag set on A reads on B within a second; unset flags read false', async () => {
        const { a, b } = await setUp();
        expect(b.flag('freeze')).toBe(false);

        await a.setFlag('freeze', true, { by: 'alice' });
        const ms = await within(1_000, () => b.flag('freeze'));
        expect(ms).toBeLessThan(1_000);

        await a.setFlag('incident', false, { by: 'alice' });
        await within(1_000, () => 'incident' in b.flags());
        expect(b.flags()).toEqual({ freeze: true, incident: false });

        await a.setFlag('freeze', false, { by: 'alice' });
        await within(1_000, () => !b.flag('freeze'));
      });

      it('rejects a flag name outside the pattern with a 400', async () => {
        const { a } = await setUp();
        const err = await a.setFlag('no spaces', true, { by: 'alice' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GovernanceError);
        expect(err).toMatchObject({ status: 400, code: 'invalid_flag_name' });
      });
    });

    describe('approvals', () => {
      it('held on A, listed and approved on B: A releases the request, with the approver named', async () => {
        const { a, b } = await setUp();
        const held = a.awaitApproval(approvalRequest(), new AbortController().signal);
        const id = await pendingId(b);

        const [listed] = (await b.approvals('pending')).filter((x) => x.id === id);
        expect(listed).toMatchObject({
          agent: 'finance-auditor',
          rule: 'github-read/open-pr',
          method: 'POST',
          url: 'https://api.github.com/repos/acme/infra/pulls?token=&draft=',
          bodyBytes: 17,
          bodySha256: approvalRequest().bodySha256,
          state: 'pending',
          decidedBy: null,
        });
        expect(Date.parse(listed!.expiresAt) - Date.parse(listed!.createdAt)).toBe(10_000);

        const decided = await b.decideApproval(id, 'approve', { by: 'alice', comment: 'looks fine' });
        expect(decided).toMatchObject({ state: 'approved', decidedBy: 'alice', comment: 'looks fine' });

        const outcome = await held;
        expect(outcome.state).toBe('approved');
        expect(outcome.approval).toMatchObject({ id, decidedBy: 'alice', comment: 'looks fine' });
        expect(await b.approvals('pending')).toEqual([]);
        expect((await a.approvals('approved')).map((x) => x.id)).toEqual([id]);
      });

      it('deny on B: A gets `denied`', async () => {
        const { a, b } = await setUp();
        const held = a.awaitApproval(approvalRequest(), new AbortController().signal);
        const id = await pendingId(b);

        await b.decideApproval(id, 'deny', { by: 'bob' });

        const outcome = await held;
        expect(outcome).toMatchObject({ state: 'denied', approval: { decidedBy: 'bob', comment: null } });
      });

      it('nobody answers: `expired` after the timeout, never approved; a late approve is a 409', async () => {
        const { a, b } = await setUp();
        const started = performance.now();
        const outcome = await a.awaitApproval(approvalRequest({ timeoutMs: 200 }), new AbortController().signal);

        expect(outcome.state).toBe('expired');
        expect(performance.now() - started).toBeGreaterThanOrEqual(190);
        await expect(b.decideApproval(outcome.approval.id, 'approve', { by: 'alice' }))
          .rejects.toMatchObject({ status: 409, code: 'approval_not_pending' });
      });

      it('the agent disconnects: `withdrawn`, and a later approve is a 409', async () => {
        const { a, b } = await setUp();
        const agentGone = new AbortController();
        const held = a.awaitApproval(approvalRequest(), agentGone.signal);
        const id = await pendingId(b);

        agentGone.abort();
        const outcome = await held;

        expect(outcome).toMatchObject({ state: 'withdrawn', approval: { id } });
        await expect(b.decideApproval(id, 'approve', { by: 'alice' }))
          .rejects.toMatchObject({ status: 409, code: 'approval_not_pending' });
        expect((await b.approvals('withdrawn')).map((x) => x.id)).toEqual([id]);
      });

      it('deciding twice is a 409 naming the first decision; an unknown id is a 404', async () => {
        const { a, b } = await setUp();
        const held = a.awaitApproval(approvalRequest(), new AbortController().signal);
        const id = await pendingId(b);
        await b.decideApproval(id, 'approve', { by: 'alice' });

        const second = await a.decideApproval(id, 'deny', { by: 'mallory' }).catch((e: unknown) => e);
        expect(second).toBeInstanceOf(GovernanceError);
        expect(second).toMatchObject({ status: 409, message: expect.stringContaining('already approved by alice') });
        expect((await held).approval.decidedBy).toBe('alice');

        await expect(b.decideApproval('01NOSUCHAPPROVAL0000000000', 'approve', { by: 'alice' }))
          .rejects.toMatchObject({ status: 404, code: 'approval_not_found' });
      });

      it('is single-use: approving one request does not release the same request sent again', async () => {
        const { a, b } = await setUp();
        const first = a.awaitApproval(approvalRequest(), new AbortController().signal);
        const firstId = await pendingId(b);
        await b.decideApproval(firstId, 'approve', { by: 'alice' });
        expect((await first).state).toBe('approved');

        const again = new AbortController();
        const second = a.awaitApproval(approvalRequest(), again.signal);
        const secondId = await pendingId(b);
        expect(secondId).not.toBe(firstId);
        // Still held: the earlier approval is spent and bound to its own request.
        const early = await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 300, 'held'))]);
        expect(early).toBe('held');

        again.abort();
        expect((await second).state).toBe('withdrawn');
      });

      it('binds each approval to its own method, URL and body hash', async () => {
        const { a, b } = await setUp();
        const put = a.awaitApproval(approvalRequest({ method: 'PUT', bodySha256: SHA_OTHER, bodyBytes: 3 }), new AbortController().signal);
        const post = a.awaitApproval(approvalRequest(), new AbortController().signal);
        const putId = await pendingId(b, SHA_OTHER);
        const postId = await pendingId(b);

        await b.decideApproval(putId, 'approve', { by: 'alice' });
        await b.decideApproval(postId, 'deny', { by: 'alice' });

        expect(await put).toMatchObject({ state: 'approved', approval: { method: 'PUT', bodySha256: SHA_OTHER, bodyBytes: 3 } });
        expect(await post).toMatchObject({ state: 'denied', approval: { method: 'POST', bodySha256: approvalRequest().bodySha256 } });
        expect((await b.approvals()).map((x) => x.state).sort()).toEqual(['approved', 'denied']);
      });

      it('a signal aborted before the hold starts withdraws at once', async () => {
        const { a } = await setUp();
        const outcome = await a.awaitApproval(approvalRequest(), AbortSignal.abort());
        expect(outcome.state).toBe('withdrawn');
      });

      it('close() withdraws what is still held', async () => {
        const { a, b } = await setUp();
        const held = a.awaitApproval(approvalRequest(), new AbortController().signal);
        const id = await pendingId(b);

        await a.close();

        expect(await held).toMatchObject({ state: 'withdrawn', approval: { id } });
        if (b !== a) expect((await b.approvals('withdrawn')).map((x) => x.id)).toEqual([id]);
      });
    });
  });
}
