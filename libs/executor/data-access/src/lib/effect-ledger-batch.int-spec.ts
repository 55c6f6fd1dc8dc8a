import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { countNamedStatements, poolOf } from './testing/named-statements';
import { EffectLedgerRepository, type EffectIntent } from './effect-ledger.repository';
import { JobRepository } from './job.repository';

/** Group commit of the effect ledger's first intents and outcomes (#19), on the real Postgres: one statement per batch, one answer per caller. */
describe('effect ledger batches (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_ledger_batch'));
  let ds: DataSource;
  // a second pool, as another process: reads on it see only what was committed
  let other: DataSource;

  async function newJobs(n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => `job_${ulid()}`);
    const jobs = new JobRepository(ds.manager);
    for (const id of ids) {
      await jobs.insertIfAbsent({
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
    }
    return ids;
  }
  const intent = (jobId: string, drive = 'd1'): EffectIntent => ({ jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1, stepKey: 'pay', action: 'stripe.create_customer', drive });
  const ref = (jobId: string) => ({ jobId, idempotencyKey: `${jobId}:pay:0`, attempt: 1 });

  beforeAll(async () => {
    ds = await db.connect();
    other = await db.connect();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('writes the first intents of 30 jobs issued together in one statement; a row already there answers false to its own caller only', async () => {
    const jobs = await newJobs(30);
    // job 7's attempt has a row already (an earlier drive's, refused before it went out)
    await new EffectLedgerRepository(ds.manager).intend(intent(jobs[7], 'd0'));
    const { result, sent } = await countNamedStatements(ds, 'executor_effect_intent_batch', () =>
      // each from its own repository, as each call has
      Promise.all(jobs.map((id) => new EffectLedgerRepository(ds.manager).intendFirst(intent(id)))),
    );
    expect(sent).toBe(1);
    expect(result).toEqual(jobs.map((_, i) => i !== 7));
    const rows = (await other.query(`SELECT job_id, drive, sends, outcome FROM effect_ledger WHERE job_id = ANY($1)`, [jobs])) as { job_id: string; drive: string }[];
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row).toMatchObject({ drive: row.job_id === jobs[7] ? 'd0' : 'd1', sends: 1, outcome: null });
  });

  it('two intents of the same attempt in one turn: the first is written, the second waits for the next batch and finds it', async () => {
    const [job] = await newJobs(1);
    const ledger = new EffectLedgerRepository(ds.manager);
    expect(await Promise.all([ledger.intendFirst(intent(job, 'd1')), ledger.intendFirst(intent(job, 'd2'))])).toEqual([true, false]);
    expect(await ledger.find(ref(job))).toMatchObject({ drive: 'd1', sends: 1 });
  });

  it('answers no caller before the batch has committed: each reads its own intent on another pool the moment it resolves', async () => {
    const jobs = await newJobs(20);
    const seen = await Promise.all(
      jobs.map(async (id) => {
        expect(await new EffectLedgerRepository(ds.manager).intendFirst(intent(id))).toBe(true);
        return (await other.query(`SELECT drive FROM effect_ledger WHERE job_id = $1`, [id])) as unknown[];
      }),
    );
    expect(seen).toEqual(jobs.map(() => [{ drive: 'd1' }]));
  });

  it("one intent's bad row (its job does not exist) fails alone: the others of its batch are written", async () => {
    const jobs = await newJobs(4);
    const all = [...jobs.slice(0, 2), 'job_missing', ...jobs.slice(2)];
    const { result, sent } = await countNamedStatements(ds, 'executor_effect_intent_batch', () =>
      Promise.allSettled(all.map((id) => new EffectLedgerRepository(ds.manager).intendFirst(intent(id)))),
    );
    expect(result.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(((result[2] as PromiseRejectedResult).reason as { code?: string }).code).toBe('23503');
    expect(result.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<boolean>).value)).toEqual([true, true, true, true]);
    // the batch, then each of its five rows alone
    expect(sent).toBe(6);
    expect(await other.query(`SELECT count(*)::int AS n FROM effect_ledger WHERE job_id = ANY($1)`, [jobs])).toEqual([{ n: 4 }]);
  });

  it("a failure that is not one row's (the server cancelling the statement) fails every caller of the batch, and writes nothing", async () => {
    const jobs = await newJobs(3);
    const [{ name }] = (await ds.query('SELECT current_database() AS name')) as { name: string }[];
    const blocker = await poolOf(other).connect();
    try {
      // another transaction holds job 0's attempt uncommitted: the batch's insert waits on it until the statement timeout
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO effect_ledger (job_id, idempotency_key, attempt, step_key, action, drive) VALUES ($1, $2, 1, 'pay', 'a', 'dx')`, [
        jobs[0],
        `${jobs[0]}:pay:0`,
      ]);
      await ds.query(`ALTER DATABASE "${name}" SET statement_timeout = '200ms'`);
      // a new pool: its connections start with the database's new setting
      const fresh = await db.connect();
      const outcomes = await Promise.allSettled(jobs.map((id) => new EffectLedgerRepository(fresh.manager).intendFirst(intent(id))));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(new Set(outcomes.map((o) => ((o as PromiseRejectedResult).reason as { code?: string }).code))).toEqual(new Set(['57014']));
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
      await ds.query(`ALTER DATABASE "${name}" RESET statement_timeout`);
    }
    expect(await other.query(`SELECT count(*)::int AS n FROM effect_ledger WHERE job_id = ANY($1)`, [jobs])).toEqual([{ n: 0 }]);
  });

  it('settles the outcomes of a turn in one statement: each caller learns whether its drive still owned its row; a bad outcome fails alone', async () => {
    const jobs = await newJobs(8);
    const ledger = new EffectLedgerRepository(ds.manager);
    await Promise.all(jobs.map((id) => ledger.intendFirst(intent(id))));
    const { result, sent } = await countNamedStatements(ds, 'executor_effect_outcome_batch', () =>
      Promise.all(
        // job 3 is settled by a drive that no longer owns its row
        jobs.map((id, i) => new EffectLedgerRepository(ds.manager).settle({ ...ref(id), drive: i === 3 ? 'd0' : 'd1' }, i % 2 ? 'not_sent' : 'ok')),
      ),
    );
    expect(sent).toBe(1);
    expect(result).toEqual(jobs.map((_, i) => i !== 3));
    const rows = (await other.query(`SELECT job_id, outcome FROM effect_ledger WHERE job_id = ANY($1)`, [jobs])) as { job_id: string; outcome: string | null }[];
    expect(Object.fromEntries(rows.map((r) => [r.job_id, r.outcome]))).toEqual(Object.fromEntries(jobs.map((id, i) => [id, i === 3 ? null : i % 2 ? 'not_sent' : 'ok'])));

    const again = await newJobs(3);
    await Promise.all(again.map((id) => ledger.intendFirst(intent(id))));
    const outcomes = await Promise.allSettled(again.map((id, i) => ledger.settle({ ...ref(id), drive: 'd1' }, i === 1 ? ('maybe' as never) : 'failed')));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/effect_ledger_outcome/);
  });

  it("a batch of outcomes commits asynchronously in its own transaction only: the pool's connection is durable again after it", async () => {
    // one connection, so the check runs where the batch ran
    const single = await db.connect({ poolSize: 1 });
    const jobs = await newJobs(3);
    const ledger = new EffectLedgerRepository(single.manager);
    await Promise.all(jobs.map((id) => ledger.intendFirst(intent(id))));
    expect(await Promise.all(jobs.map((id) => ledger.settle({ ...ref(id), drive: 'd1' }, 'not_sent')))).toEqual([true, true, true]);
    expect(await single.query(`SHOW synchronous_commit`)).toEqual([{ synchronous_commit: 'on' }]);
    expect(await other.query(`SELECT count(*)::int AS n FROM effect_ledger WHERE job_id = ANY($1) AND outcome = 'not_sent'`, [jobs])).toEqual([{ n: 3 }]);
  });
});
