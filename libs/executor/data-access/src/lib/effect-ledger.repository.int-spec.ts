import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { EffectLedgerRepository } from './effect-ledger.repository';
import { JobRepository } from './job.repository';

/** The effect ledger's table on the real Postgres: intents before sends, outcomes fenced by drive, rows go with their job. */
describe('effect ledger repository (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_ledger'));
  let ds: DataSource;
  let ledger: EffectLedgerRepository;

  const newJob = async () => {
    const id = `job_${ulid()}`;
    await new JobRepository(ds.manager).insertIfAbsent({
      id,
      workspaceId: 'ws_1',
      recipeId: 'rcp_1',
      recipeVersion: 1,
      dedupeKey: ulid(),
      triggerKind: 'webhook',
      concurrency: 10,
      trigger: {},
      receivedAt: new Date(),
    });
    return id;
  };
  const intent = (jobId: string, drive: string, attempt = 1) => ({ jobId, idempotencyKey: `${jobId}:pay:0`, attempt, stepKey: 'pay', action: 'stripe.create_customer', drive });

  beforeAll(async () => {
    ds = await db.connect();
    ledger = new EffectLedgerRepository(ds.manager);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('keeps an intent without an outcome until it is settled, then the outcome', async () => {
    const jobId = await newJob();
    const ref = { jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1 };
    expect(await ledger.find(ref)).toBeUndefined();
    expect(await ledger.intend(intent(jobId, 'd1'))).toBe(1);
    expect(await ledger.find(ref)).toMatchObject({ stepKey: 'pay', action: 'stripe.create_customer', drive: 'd1', sends: 1, outcome: null, outcomeAt: null });
    expect(await ledger.settle({ ...ref, drive: 'd1' }, 'ok')).toBe(true);
    const settled = await ledger.find(ref);
    expect(settled).toMatchObject({ outcome: 'ok' });
    expect(settled?.outcomeAt).toBeInstanceOf(Date);
  });

  it('intendFirst writes the intent of an attempt with no row in one statement, and writes nothing when a row is there', async () => {
    const jobId = await newJob();
    const ref = { jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1 };
    expect(await ledger.intendFirst(intent(jobId, 'd1'))).toBe(true);
    expect(await ledger.find(ref)).toMatchObject({ drive: 'd1', sends: 1, outcome: null });
    await ledger.settle({ ...ref, drive: 'd1' }, 'not_sent');
    // another drive (or the same one after a deferral) finds the row: nothing changes until it decides
    expect(await ledger.intendFirst(intent(jobId, 'd2'))).toBe(false);
    expect(await ledger.find(ref)).toMatchObject({ drive: 'd1', sends: 1, outcome: 'not_sent' });
    await expect(ledger.intendFirst(intent('job_missing', 'd1'))).rejects.toThrow(/foreign key/);
  });

  it('settle commits its own statement without waiting for the WAL flush, and the session keeps synchronous_commit on', async () => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      const own = new EffectLedgerRepository(runner.manager);
      const jobId = await newJob();
      const ref = { jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1 };
      await own.intend(intent(jobId, 'd1'));
      expect(await own.settle({ ...ref, drive: 'd1' }, 'ok')).toBe(true);
      expect(await own.settle({ ...ref, drive: 'd0' }, 'failed')).toBe(false);
      expect(await ledger.find(ref)).toMatchObject({ drive: 'd1', outcome: 'ok' });
      // the setting was local to the statement's own transaction: the connection's next statements commit durably
      expect(await runner.query(`SHOW synchronous_commit`)).toEqual([{ synchronous_commit: 'on' }]);
    } finally {
      await runner.release();
    }
  });

  it('a second drive sending the same attempt again counts the send, clears the outcome and owns the row: the first drive can no longer settle it', async () => {
    const jobId = await newJob();
    const ref = { jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1 };
    await ledger.intend(intent(jobId, 'd1'));
    expect(await ledger.intend(intent(jobId, 'd2'))).toBe(2);
    expect(await ledger.settle({ ...ref, drive: 'd1' }, 'failed')).toBe(false);
    expect(await ledger.find(ref)).toMatchObject({ drive: 'd2', sends: 2, outcome: null });
    expect(await ledger.settle({ ...ref, drive: 'd2' }, 'ok')).toBe(true);
    expect(await ledger.find(ref)).toMatchObject({ drive: 'd2', sends: 2, outcome: 'ok' });
  });

  it('keeps attempts apart, marks one uncertain, lists a job in order, and drops the rows with the job', async () => {
    const jobId = await newJob();
    await ledger.intend(intent(jobId, 'd1', 1));
    await ledger.settle({ jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1, drive: 'd1' }, 'failed');
    await ledger.intend(intent(jobId, 'd1', 2));
    await ledger.markUncertain({ jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 2 });
    expect((await ledger.ofJob(jobId)).map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'failed'],
      [2, 'uncertain'],
    ]);
    await ds.query(`DELETE FROM jobs WHERE id = $1`, [jobId]);
    expect(await ledger.ofJob(jobId)).toEqual([]);
  });

  it('refuses an intent for a job that does not exist, and an outcome outside the list', async () => {
    await expect(ledger.intend(intent('job_missing', 'd1'))).rejects.toThrow(/foreign key/);
    const jobId = await newJob();
    await ledger.intend(intent(jobId, 'd1'));
    await expect(ledger.settle({ jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1, drive: 'd1' }, 'maybe' as never)).rejects.toThrow(/effect_ledger_outcome/);
  });

  it('job steps accept the status uncertain', async () => {
    const jobId = await newJob();
    await ds.query(
      `INSERT INTO job_steps (job_id, seq, step_id, step_key, kind, status, attempt, started_at, finished_at) VALUES ($1, 1, 'pay', 'pay', 'action', 'uncertain', 1, now(), now())`,
      [jobId],
    );
    await expect(
      ds.query(`INSERT INTO job_steps (job_id, seq, step_id, step_key, kind, status, started_at, finished_at) VALUES ($1, 2, 'x', 'x', 'action', 'bogus', now(), now())`, [jobId]),
    ).rejects.toThrow(/job_steps_status_check/);
  });
});
