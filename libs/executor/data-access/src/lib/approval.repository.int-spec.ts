import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { ApprovalRepository, type NewApproval } from './approval.repository';

/** The approvals table on the real Postgres: one approval per step execution, the first decision wins, scoped by workspace. */
describe('approval repository (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_approvals'));
  let replicas: DataSource[];

  const anApproval = (overrides: Partial<NewApproval> = {}): NewApproval => {
    const jobId = `job_${ulid()}`;
    return {
      id: `apr_${ulid()}`,
      workspaceId: 'ws_1',
      jobId,
      recipeId: 'rcp_1',
      stepId: 'manager',
      stepKey: 'manager',
      idempotencyKey: `${jobId}:manager:0`,
      title: 'Ship it?',
      description: null,
      expiresAt: new Date(Date.now() + 60_000),
      ...overrides,
    };
  };
  const by = (id: string) => ({ type: 'api_key', id });

  beforeAll(async () => {
    // two pools: two executor replicas
    replicas = [await db.connect({ poolSize: 10 }), await db.connect({ poolSize: 10 })];
  });

  afterAll(async () => {
    await db.drop();
  });

  it('creates one approval per idempotency key: a re-drive gets the first one back, not a second', async () => {
    const first = anApproval();
    const [a, b] = await Promise.all(replicas.map((ds, i) => new ApprovalRepository(ds.manager).createOnce({ ...first, id: `apr_${ulid()}`, title: `try ${i}` })));
    expect(a.id).toBe(b.id);
    const again = await new ApprovalRepository(replicas[0].manager).createOnce({ ...first, id: `apr_${ulid()}` });
    expect(again.id).toBe(a.id);
    const rows = (await replicas[0].query(`SELECT count(*)::int AS n FROM approvals WHERE idempotency_key = $1`, [first.idempotencyKey])) as { n: number }[];
    expect(rows[0].n).toBe(1);
  });

  it('lets exactly one of 20 racing decisions (two replicas, both verbs) win', async () => {
    const approval = await new ApprovalRepository(replicas[0].manager).createOnce(anApproval());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        new ApprovalRepository(replicas[i % 2].manager).decide(
          { workspaceId: 'ws_1', id: approval.id },
          { decision: i % 3 === 0 ? 'rejected' : 'approved', comment: `#${i}`, decidedBy: by(`key_${i}`), now: new Date() },
        ),
      ),
    );
    const winners = outcomes.filter((o) => o !== undefined);
    expect(winners).toHaveLength(1);
    const stored = await new ApprovalRepository(replicas[1].manager).find({ workspaceId: 'ws_1', id: approval.id });
    expect(stored).toMatchObject({ decision: winners[0]?.decision, comment: winners[0]?.comment, decidedBy: winners[0]?.decidedBy });
  });

  it('refuses a decision after the expiry, and one from another workspace; lists by state', async () => {
    const repo = new ApprovalRepository(replicas[0].manager);
    const expired = await repo.createOnce(anApproval({ workspaceId: 'ws_list', expiresAt: new Date(Date.now() - 1_000) }));
    const open = await repo.createOnce(anApproval({ workspaceId: 'ws_list' }));
    const decided = await repo.createOnce(anApproval({ workspaceId: 'ws_list' }));
    const now = new Date();
    expect(await repo.decide({ workspaceId: 'ws_list', id: expired.id }, { decision: 'approved', comment: null, decidedBy: by('k'), now })).toBeUndefined();
    expect(await repo.decide({ workspaceId: 'ws_other', id: open.id }, { decision: 'approved', comment: null, decidedBy: by('k'), now })).toBeUndefined();
    expect(await repo.find({ workspaceId: 'ws_other', id: open.id })).toBeUndefined();
    expect(await repo.decide({ workspaceId: 'ws_list', id: decided.id }, { decision: 'rejected', comment: 'no', decidedBy: by('k'), now })).toMatchObject({ decision: 'rejected' });
    const ids = async (state?: 'pending' | 'decided' | 'expired') => (await repo.list({ workspaceId: 'ws_list', state, limit: 10, now: new Date() })).map((r) => r.id);
    expect(await ids('pending')).toEqual([open.id]);
    expect(await ids('decided')).toEqual([decided.id]);
    expect(await ids('expired')).toEqual([expired.id]);
    expect(await ids()).toEqual([decided.id, open.id, expired.id]);
    expect((await repo.list({ workspaceId: 'ws_list', limit: 10, cursor: open.id, now: new Date() })).map((r) => r.id)).toEqual([expired.id]);
  });

  it("closes a cancelled job's open approval (out of pending, no decision after), leaving its decided and expired ones as they were", async () => {
    const repo = new ApprovalRepository(replicas[0].manager);
    const jobId = `job_${ulid()}`;
    const mine = (stepKey: string, overrides: Partial<NewApproval> = {}) =>
      anApproval({ workspaceId: 'ws_cancel', jobId, stepKey, idempotencyKey: `${jobId}:${stepKey}:0`, ...overrides });
    const open = await repo.createOnce(mine('open'));
    const decided = await repo.createOnce(mine('decided'));
    const expired = await repo.createOnce(mine('expired', { expiresAt: new Date(Date.now() - 1_000) }));
    const otherJob = await repo.createOnce(anApproval({ workspaceId: 'ws_cancel' }));
    await repo.decide({ workspaceId: 'ws_cancel', id: decided.id }, { decision: 'approved', comment: null, decidedBy: by('k'), now: new Date() });

    // the cancel, from both replicas at once (a retried RPC): closed once
    const closed = await Promise.all(replicas.map((ds) => new ApprovalRepository(ds.manager).cancelOf(jobId, new Date())));
    expect(closed.sort()).toEqual([0, 1]);
    const ids = async (state: 'pending' | 'decided' | 'expired' | 'cancelled') =>
      (await repo.list({ workspaceId: 'ws_cancel', state, limit: 10, now: new Date() })).map((r) => r.id);
    expect(await ids('pending')).toEqual([otherJob.id]);
    expect(await ids('cancelled')).toEqual([open.id]);
    expect(await ids('decided')).toEqual([decided.id]);
    expect(await ids('expired')).toEqual([expired.id]);
    expect(await repo.decide({ workspaceId: 'ws_cancel', id: open.id }, { decision: 'approved', comment: null, decidedBy: by('k'), now: new Date() })).toBeUndefined();
    expect(await repo.find({ workspaceId: 'ws_cancel', id: open.id })).toMatchObject({ decidedAt: null, decision: null, cancelledAt: expect.any(Date) });
    expect(await repo.find({ workspaceId: 'ws_cancel', id: decided.id })).toMatchObject({ decision: 'approved', cancelledAt: null });
  });

  it('makes one link key, whichever replica asks first', async () => {
    const keys = await Promise.all(replicas.map((ds) => new ApprovalRepository(ds.manager).linkKey(Buffer.from(ulid()))));
    expect(keys[0].equals(keys[1])).toBe(true);
    expect((await new ApprovalRepository(replicas[0].manager).linkKey(Buffer.from('another'))).equals(keys[0])).toBe(true);
  });
});
