import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { JobRepository } from './job.repository';
import { JobWaitRepository, type WaitRegistration } from './job-wait.repository';

/** waitFor's tables on the real Postgres: idempotent delivery, the buffer and its bounds, and no lost wake under races. */
describe('job waits repository (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_waits'));
  let ds: DataSource;
  let waits: JobWaitRepository;
  const buffer = { ttlMs: 60_000, perKey: 100 };
  const HOUR = 3_600_000;
  // one timeout for the waits of this file: a wait is (job, step key, timeout), so a re-drive passes the same
  const LATER = Date.now() + HOUR;

  /** A job this worker holds (running, leased to `w1`), as a driver running its await would. */
  const runningJob = async (workspaceId = 'ws_1') => {
    const id = `job_${ulid()}`;
    await new JobRepository(ds.manager).insertIfAbsent({
      id,
      workspaceId,
      recipeId: 'rcp_1',
      recipeVersion: 1,
      dedupeKey: ulid(),
      triggerKind: 'webhook',
      concurrency: 10,
      trigger: {},
      receivedAt: new Date(),
    });
    // an UPDATE … RETURNING comes back from TypeORM as [rows, count]
    const [[row]] = (await ds.query(`UPDATE jobs SET status = 'running', lease_owner = 'w1', lease_until = now() + interval '1 hour' WHERE id = $1 RETURNING revision`, [id])) as [
      { revision: number }[],
      number,
    ];
    return { id, workspaceId, revision: row.revision };
  };
  const waitOf = (job: { id: string; workspaceId: string }, key: string, stepKey = 'paid', until = LATER): WaitRegistration => ({
    jobId: job.id,
    workspaceId: job.workspaceId,
    stepKey,
    event: { name: 'invoice.paid', key },
    until,
  });
  const jobRow = async (id: string) =>
    (
      (await ds.query(`SELECT lease_owner, wake_at, wake_at <= now() AS due, revision FROM jobs WHERE id = $1`, [id])) as {
        lease_owner: string | null;
        wake_at: Date | null;
        due: boolean | null;
        revision: number;
      }[]
    )[0];
  const event = (key: string, id = `evt_${ulid()}`, data: unknown = { n: 1 }) => ({ name: 'invoice.paid', key, id, data });

  beforeAll(async () => {
    ds = await db.connect({ poolSize: 20 });
    waits = new JobWaitRepository(ds);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('parks a waiting job (lease given up, wake_at at the timeout); an event resolves it once and wakes it now', async () => {
    const job = await runningJob();
    const key = `k_${ulid()}`;
    const until = Date.now() + HOUR;
    const parked = await waits.register(waitOf(job, key, 'paid', until), { owner: 'w1', revision: job.revision });
    expect(parked).toEqual({ status: 'waiting', parked: job.revision + 1 });
    expect(await jobRow(job.id)).toMatchObject({ lease_owner: null, wake_at: new Date(until), due: false });

    const first = await waits.deliver('ws_1', event(key, 'evt_a', { amount: 5 }), buffer);
    expect(first).toEqual({ accepted: true, duplicate: false, resumed: 1, jobIds: [job.id] });
    expect((await jobRow(job.id)).due).toBe(true);
    // the woken driver's await finds the event; a re-drive finds the same one
    const resolved = await waits.register(waitOf(job, key, 'paid', until));
    expect(resolved).toMatchObject({ status: 'event', output: { name: 'invoice.paid', key, id: 'evt_a', data: { amount: 5 } } });
    expect(await waits.register(waitOf(job, key, 'paid', until))).toEqual(resolved);
    // a second event of the key resolves nothing more for this wait
    expect(await waits.deliver('ws_1', event(key, 'evt_b'), buffer)).toMatchObject({ accepted: true, resumed: 0 });
    expect(await waits.register(waitOf(job, key, 'paid', until))).toEqual(resolved);
  });

  it('is idempotent by id per workspace: the same id again is a duplicate that resumes nothing; another workspace may use it', async () => {
    const key = `k_${ulid()}`;
    const a = await runningJob();
    await waits.register(waitOf(a, key), { owner: 'w1', revision: a.revision });
    expect(await waits.deliver('ws_1', event(key, 'evt_same'), buffer)).toMatchObject({ accepted: true, resumed: 1 });
    const b = await runningJob();
    await waits.register(waitOf(b, key, 'paid'), { owner: 'w1', revision: b.revision });
    expect(await waits.deliver('ws_1', event(key, 'evt_same'), buffer)).toEqual({ accepted: false, duplicate: true, resumed: 0, jobIds: [] });
    expect(await waits.register(waitOf(b, key))).toEqual({ status: 'waiting' });
    // keys and ids are per workspace: ws_2's event does not touch ws_1's waiting job
    expect(await waits.deliver('ws_2', event(key, 'evt_same'), buffer)).toMatchObject({ accepted: true, resumed: 0 });
    expect(await waits.register(waitOf(b, key))).toEqual({ status: 'waiting' });
  });

  it("deliverIn commits with the caller's transaction: rolled back, neither the event nor the wake happened; committed, both did", async () => {
    const job = await runningJob();
    const key = `k_${ulid()}`;
    await waits.register(waitOf(job, key), { owner: 'w1', revision: job.revision });
    // the approval's decision and its event: a failure after the delivery (a crash) takes both back
    await expect(
      ds.transaction(async (em) => {
        expect(await waits.deliverIn(em, 'ws_1', event(key, 'evt_tx'), buffer)).toMatchObject({ accepted: true, resumed: 1 });
        throw new Error('crashed before the commit');
      }),
    ).rejects.toThrow('crashed before the commit');
    expect(await ds.query(`SELECT 1 FROM wait_events WHERE workspace_id = 'ws_1' AND id = 'evt_tx'`)).toHaveLength(0);
    expect(await waits.register(waitOf(job, key))).toEqual({ status: 'waiting' });
    expect((await jobRow(job.id)).due).toBe(false);
    // the same id again, committed: not a duplicate, and it resumes the job
    expect(await ds.transaction((em) => waits.deliverIn(em, 'ws_1', event(key, 'evt_tx'), buffer))).toEqual({ accepted: true, duplicate: false, resumed: 1, jobIds: [job.id] });
    expect(await waits.register(waitOf(job, key))).toMatchObject({ status: 'event', output: { id: 'evt_tx' } });
  });

  it('an event that arrived before the job waited is taken when it starts waiting; one older than the job is not', async () => {
    const key = `k_${ulid()}`;
    await waits.deliver('ws_1', event(key, `old_${ulid()}`), buffer);
    const job = await runningJob();
    await waits.deliver('ws_1', event(key, 'early_1', { early: true }), buffer);
    const outcome = await waits.register(waitOf(job, key), { owner: 'w1', revision: job.revision });
    expect(outcome).toMatchObject({ status: 'event', output: { id: 'early_1', data: { early: true } } });
    // resolved at once: the job kept its lease
    expect((await jobRow(job.id)).lease_owner).toBe('w1');
  });

  it('a loop does not take one event twice: each later wait of the job on the key takes the next buffered event', async () => {
    const key = `k_${ulid()}`;
    const job = await runningJob();
    for (const id of ['e1', 'e2']) await waits.deliver('ws_1', event(key, `${id}_${key}`), buffer);
    expect(await waits.register(waitOf(job, key, 'w[0]'))).toMatchObject({ status: 'event', output: { id: `e1_${key}` } });
    expect(await waits.register(waitOf(job, key, 'w[1]'))).toMatchObject({ status: 'event', output: { id: `e2_${key}` } });
    expect(await waits.register(waitOf(job, key, 'w[2]'))).toEqual({ status: 'waiting' });
  });

  it('keeps the newest perKey events of a key, and none past the TTL (the sweep removes them)', async () => {
    const key = `k_${ulid()}`;
    const job = await runningJob();
    for (let i = 1; i <= 5; i++) await waits.deliver('ws_1', event(key, `b${i}_${key}`), { ttlMs: 60_000, perKey: 3 });
    const kept = (await ds.query(`SELECT id FROM wait_events WHERE key = $1 ORDER BY seq`, [key])) as { id: string }[];
    expect(kept.map((r) => r.id)).toEqual([3, 4, 5].map((i) => `b${i}_${key}`));
    expect(await waits.register(waitOf(job, key))).toMatchObject({ status: 'event', output: { id: `b3_${key}` } });

    const late = `k_${ulid()}`;
    const other = await runningJob();
    await waits.deliver('ws_1', event(late, `ttl_${late}`), { ttlMs: 1_000, perKey: 100 });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await waits.register(waitOf(other, late))).toEqual({ status: 'waiting' });
    expect((await waits.sweep()).events).toBeGreaterThanOrEqual(1);
    expect(await ds.query(`SELECT 1 FROM wait_events WHERE key = $1`, [late])).toEqual([]);
  });

  it('times out once past until (for good: a later event does not resolve it); the sweep removes waits of ended jobs', async () => {
    const key = `k_${ulid()}`;
    const job = await runningJob();
    const past = Date.now() - 1;
    expect(await waits.register(waitOf(job, key, 'paid', past), { owner: 'w1', revision: job.revision })).toEqual({ status: 'timeout' });
    expect(await waits.deliver('ws_1', event(key), buffer)).toMatchObject({ resumed: 0 });
    expect(await waits.register(waitOf(job, key, 'paid', past))).toEqual({ status: 'timeout' });
    await ds.query(`UPDATE jobs SET status = 'failed' WHERE id = $1`, [job.id]);
    expect((await waits.sweep()).waits).toBeGreaterThanOrEqual(1);
    expect(await ds.query(`SELECT 1 FROM job_waits WHERE job_id = $1`, [job.id])).toEqual([]);
  });

  it('a rerun that enters the step again (a new timeout) waits anew after a timeout; a re-drive of the same wait times out again', async () => {
    const key = `k_${ulid()}`;
    const job = await runningJob();
    const first = Date.now() - 1;
    expect(await waits.register(waitOf(job, key, 'paid', first))).toEqual({ status: 'timeout' });
    expect(await waits.register(waitOf(job, key, 'paid', first))).toEqual({ status: 'timeout' });
    await waits.deliver('ws_1', event(key, `rerun_${key}`), buffer);
    expect(await waits.register(waitOf(job, key, 'paid', Date.now() + HOUR))).toMatchObject({ status: 'event', output: { id: `rerun_${key}` } });
  });

  it('a cancelled job is not resumed, and forget() drops its waits', async () => {
    const key = `k_${ulid()}`;
    const job = await runningJob();
    await waits.register(waitOf(job, key), { owner: 'w1', revision: job.revision });
    await ds.query(`UPDATE jobs SET status = 'cancelled' WHERE id = $1`, [job.id]);
    expect(await waits.deliver('ws_1', event(key), buffer)).toMatchObject({ accepted: true, resumed: 0 });
    await waits.forget(job.id);
    expect(await ds.query(`SELECT 1 FROM job_waits WHERE job_id = $1`, [job.id])).toEqual([]);
  });

  it('registration and delivery racing 200 times never lose a wake: the wait is resolved, and a parked job is due now', async () => {
    let parkedThenWoken = 0;
    let takenAtRegistration = 0;
    for (let i = 0; i < 200; i++) {
      const key = `race_${i}_${ulid()}`;
      const job = await runningJob();
      const [registered, delivered] = await Promise.all([
        waits.register(waitOf(job, key), { owner: 'w1', revision: job.revision }),
        waits.deliver('ws_1', event(key, `r_${key}`), buffer),
      ]);
      expect(delivered.accepted).toBe(true);
      const row = await jobRow(job.id);
      if (registered.status === 'event') {
        takenAtRegistration++;
        expect(delivered.resumed).toBe(0);
        expect(row.lease_owner).toBe('w1');
      } else {
        expect(registered).toEqual({ status: 'waiting', parked: job.revision + 1 });
        expect(delivered.resumed).toBe(1);
        expect(row).toMatchObject({ lease_owner: null, due: true });
        parkedThenWoken++;
      }
      expect(await waits.register(waitOf(job, key))).toMatchObject({ status: 'event', output: { id: `r_${key}` } });
    }
    expect(parkedThenWoken + takenAtRegistration).toBe(200);
  }, 120_000);

  it('one event resumes every job waiting on its key, each exactly once, even with deliveries of the same id racing', async () => {
    const key = `fan_${ulid()}`;
    const jobs = await Promise.all(Array.from({ length: 20 }, () => runningJob()));
    await Promise.all(jobs.map((job) => waits.register(waitOf(job, key), { owner: 'w1', revision: job.revision })));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => waits.deliver('ws_1', event(key, `fan_${key}`), buffer)));
    expect(outcomes.filter((o) => o.accepted)).toHaveLength(1);
    expect(outcomes.reduce((n, o) => n + o.resumed, 0)).toBe(20);
    expect(new Set(outcomes.flatMap((o) => o.jobIds))).toEqual(new Set(jobs.map((j) => j.id)));
  });
});
