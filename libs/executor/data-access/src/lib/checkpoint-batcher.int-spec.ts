import type { Pool as PgPool } from 'pg';
import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { countNamedStatements, poolOf } from './testing/named-statements';
import { JobRepository, type NewStep } from './job.repository';

const step = (stepKey: string, status = 'succeeded'): NewStep => ({
  stepId: stepKey,
  stepKey,
  kind: 'action',
  status: status as NewStep['status'],
  attempt: 1,
  attemptGroup: 0,
  input: { key: stepKey },
  output: { ok: true },
  error: null,
  startedAt: new Date(),
  finishedAt: new Date(),
});

/** Group commit of checkpoints (#19), on the real Postgres: one statement per batch, one outcome per caller. */
describe('checkpoint batcher (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_cpbatch'));
  let ds: DataSource;
  let jobs: JobRepository;
  let pool: PgPool;

  /** `n` running jobs leased by `owner`, with their revisions. */
  async function leased(n: number, owner = 'A'): Promise<{ id: string; revision: number }[]> {
    const recipeId = `rcp_${ulid()}`;
    for (let i = 0; i < n; i++) {
      await jobs.insertIfAbsent({
        id: `job_${ulid()}`,
        workspaceId: 'ws_1',
        recipeId,
        recipeVersion: 1,
        dedupeKey: ulid(),
        triggerKind: 'webhook',
        concurrency: 1000,
        trigger: {},
        receivedAt: new Date(),
      });
    }
    const claimed = await jobs.claim(owner, 60_000, n);
    expect(claimed).toHaveLength(n);
    return claimed.map((r) => ({ id: r.id, revision: r.revision }));
  }

  beforeAll(async () => {
    ds = await db.connect();
    jobs = new JobRepository(ds.manager);
    pool = poolOf(ds);
  });

  afterEach(() => ds.query('DELETE FROM jobs'));

  afterAll(async () => {
    await db.drop();
  });

  it('writes the checkpoints of many jobs issued together in one statement, each caller getting its own new revision and step rows', async () => {
    const held = await leased(40);
    const { result, sent } = await countNamedStatements(ds, 'executor_jobs_checkpoint_batch', () =>
      Promise.all(
        held.map((j, i) =>
          // each from its own repository, as each job's driver has
          new JobRepository(ds.manager).checkpoint(j.id, 'A', j.revision, {
            state: { n: i },
            status: i % 2 ? 'succeeded' : 'running',
            finished: i % 2 === 1,
            reply: i % 2 ? { status: 200, body: { i } } : undefined,
            steps: Array.from({ length: (i % 3) + 1 }, (_, k) => step(`s${i}_${k}`)),
          }),
        ),
      ),
    );
    expect(sent).toBe(1);
    expect(result).toEqual(held.map((j) => j.revision + 1));
    for (const [i, j] of held.entries()) {
      const row = await jobs.find({ workspaceId: 'ws_1', id: j.id });
      expect(row).toMatchObject({ state: { n: i }, status: i % 2 ? 'succeeded' : 'running', revision: j.revision + 1, stepCount: (i % 3) + 1, error: null });
      expect(row?.reply).toEqual(i % 2 ? { status: 200, body: { i } } : null);
      expect(row?.leaseOwner).toBe(i % 2 ? null : 'A');
      expect(row?.finishedAt instanceof Date).toBe(i % 2 === 1);
      expect((await jobs.steps(j.id)).map((s) => [s.seq, s.stepKey])).toEqual(Array.from({ length: (i % 3) + 1 }, (_, k) => [k + 1, `s${i}_${k}`]));
    }
  });

  it('a stale revision, a lost lease or a finished job in the batch loses alone: the others are written', async () => {
    const held = await leased(6);
    // job 3 was finished by an earlier checkpoint; job 1 is written with an old revision; job 4 by another worker
    const done = await jobs.checkpoint(held[3].id, 'A', held[3].revision, { state: { done: true }, status: 'succeeded', steps: [step('d')], finished: true });
    expect(done).toBe(held[3].revision + 1);
    const { result, sent } = await countNamedStatements(ds, 'executor_jobs_checkpoint_batch', () =>
      Promise.all(
        held.map((j, i) =>
          jobs.checkpoint(j.id, i === 4 ? 'B' : 'A', i === 1 ? j.revision - 1 : i === 3 ? (done as number) : j.revision, {
            state: { n: i },
            status: 'running',
            steps: [step(`x${i}`)],
          }),
        ),
      ),
    );
    expect(sent).toBe(1);
    expect(result).toEqual(held.map((j, i) => ([1, 3, 4].includes(i) ? undefined : j.revision + 1)));
    for (const [i, j] of held.entries()) {
      const row = await jobs.find({ workspaceId: 'ws_1', id: j.id });
      if (i === 1 || i === 4) expect(row).toMatchObject({ state: null, revision: j.revision, stepCount: 0 });
      else if (i === 3) expect(row).toMatchObject({ state: { done: true }, status: 'succeeded', stepCount: 1 });
      else expect(row).toMatchObject({ state: { n: i }, revision: j.revision + 1, stepCount: 1 });
    }
  });

  it("one job's bad row fails that job's checkpoint alone: its batch neighbours are written, the bad one writes nothing", async () => {
    const held = await leased(6);
    // a step row the job_steps CHECK refuses (job 2) and an output with a NUL, which jsonb cannot store (job 4)
    const outcomes = await countNamedStatements(ds, 'executor_jobs_checkpoint_batch', () =>
      Promise.allSettled(
        held.map((j, i) =>
          jobs.checkpoint(j.id, 'A', j.revision, {
            state: { n: i },
            status: 'running',
            steps: [{ ...step(`y${i}`, i === 2 ? 'bogus' : 'succeeded'), output: i === 4 ? { text: 'a\u0000b' } : null }],
          }),
        ),
      ),
    );
    expect(outcomes.result.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes.result[2] as PromiseRejectedResult).reason as { code?: string }).code).toBe('23514');
    expect(((outcomes.result[4] as PromiseRejectedResult).reason as { code?: string }).code).toMatch(/^22/);
    // the batch, then each of its six rows alone
    expect(outcomes.sent).toBe(7);
    const bad = [held[2].id, held[4].id];
    expect(await ds.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND (state IS NOT NULL OR step_count <> 0)`, [bad])).toEqual([{ n: 0 }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM job_steps WHERE job_id = ANY($1)`, [bad])).toEqual([{ n: 0 }]);
    const good = held.filter((j) => !bad.includes(j.id)).map((j) => j.id);
    expect(await ds.query(`SELECT count(*)::int AS n FROM job_steps WHERE job_id = ANY($1)`, [good])).toEqual([{ n: 4 }]);
    // the bad ones again, valid: written
    const again = await Promise.all([2, 4].map((i) => jobs.checkpoint(held[i].id, 'A', held[i].revision, { state: { n: i }, status: 'running', steps: [step(`y${i}`)] })));
    expect(again).toEqual([held[2].revision + 1, held[4].revision + 1]);
  });

  it("a failure that is not one row's (the server refusing the statement) fails every caller of the batch", async () => {
    const held = await leased(3);
    const [{ name }] = (await ds.query('SELECT current_database() AS name')) as { name: string }[];
    const blocker = await pool.connect();
    try {
      // a statement timeout on every connection of the pool while the rows are locked elsewhere: a server-side error of the whole batch
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM jobs WHERE id = ANY($1) FOR UPDATE', [held.map((j) => j.id)]);
      await ds.query(`ALTER DATABASE "${name}" SET statement_timeout = '200ms'`);
      // a new pool: its connections start with the database's new setting
      const fresh = await db.connect();
      const outcomes = await Promise.allSettled(
        held.map((j, i) => new JobRepository(fresh.manager).checkpoint(j.id, 'A', j.revision, { state: { n: i }, status: 'running', steps: [] })),
      );
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(new Set(outcomes.map((o) => ((o as PromiseRejectedResult).reason as { code?: string }).code))).toEqual(new Set(['57014']));
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
      await ds.query(`ALTER DATABASE "${name}" RESET statement_timeout`);
    }
  });

  it('settles no caller before the batch has committed: a caller reads its own write on another connection the moment it resolves', async () => {
    const held = await leased(10);
    const seen = await Promise.all(
      held.map(async (j, i) => {
        await jobs.checkpoint(j.id, 'A', j.revision, { state: { n: i }, status: 'running', steps: [step(`z${i}`)] });
        // a plain query on the pool: another connection than the batch's, once other batches are running
        const [row] = await ds.query(`SELECT state FROM jobs WHERE id = $1`, [j.id]);
        return row.state;
      }),
    );
    expect(seen).toEqual(held.map((_, i) => ({ n: i })));
  });
});
