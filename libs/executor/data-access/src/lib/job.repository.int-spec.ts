import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { executorTestDatabase } from './testing/executor-test-database';
import { JobRepository, type NewEvent, type NewJob } from './job.repository';
import { RecordedJobsRepository } from './recorded-jobs.repository';

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: `job_${ulid()}`,
    workspaceId: 'ws_1',
    recipeId: 'rcp_1',
    recipeVersion: 1,
    dedupeKey: ulid(),
    triggerKind: 'webhook',
    concurrency: 100,
    trigger: { body: { n: 1 } },
    receivedAt: new Date(),
    ...overrides,
  };
}

const step = {
  stepId: 'post',
  stepKey: 'post',
  kind: 'action',
  status: 'succeeded',
  attempt: 1,
  attemptGroup: 0,
  input: { a: 1 },
  output: { ok: true },
  error: null,
  startedAt: new Date(),
  finishedAt: new Date(),
};

/** The job table's guarantees, on the real Postgres: dedupe, fenced writes, exact concurrency, sweeps. */
describe('job repository (real Postgres)', () => {
  const db = executorTestDatabase(TEST_SERVERS.postgres, uniqueNamespace('exec_jobs'));
  let ds: DataSource;
  let jobs: JobRepository;
  const claim = (owner: string, limit: number, leaseMs = 10_000) => new JobRepository(ds.manager).claim(owner, leaseMs, limit);

  beforeAll(async () => {
    ds = await db.connect();
    jobs = new JobRepository(ds.manager);
  });

  afterEach(() => ds.query('DELETE FROM jobs'));

  afterAll(async () => {
    await db.drop();
  });

  it('makes one job per (recipe, dedupe key), however often the event comes', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => jobs.insertIfAbsent(newJob({ dedupeKey: 'same' }))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await jobs.insertIfAbsent(newJob({ dedupeKey: 'same', recipeId: 'rcp_2' }))).toBe(true);
    expect(Number((await ds.query(`SELECT count(*) AS n FROM jobs`))[0].n)).toBe(2);
  });

  it('a windowed key absorbs repeats within its window only: concurrent repeats make one job, one across a bucket edge is absorbed, a later one is a new job', async () => {
    await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_win', 'ws_1', 'win', 1, 'running', 1)`);
    await ds.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_win', 1, '{}')`);
    const windowMs = 60_000;
    const at = (ms: number): NewEvent => {
      const { recipeVersion: _v, concurrency: _c, ...job } = newJob({ recipeId: 'rcp_win', dedupeKey: 'sha256:heartbeat', receivedAt: new Date(ms) });
      return { ...job, defaultConcurrency: 1, dedupeWindowMs: windowMs, dedupe: { key: 'body-hash', window: '1m' } };
    };
    const edge = Math.ceil(Date.now() / windowMs) * windowMs;
    try {
      // twenty at once, in separate statements and in one batch: one job
      const outcomes = [
        ...(await Promise.all(Array.from({ length: 10 }, () => jobs.insertForEvents([at(edge - 1000)])))).flat(),
        ...(await jobs.insertForEvents(Array.from({ length: 10 }, () => at(edge - 1000)))),
      ];
      expect(outcomes.filter((o) => o.outcome === 'created')).toHaveLength(1);
      // 2 s later, past the bucket's edge but inside the window of the job made: absorbed
      expect(await jobs.insertForEvents([at(edge + 1000)])).toEqual([{ outcome: 'duplicate', version: 1 }]);
      // past the window of that job: a new event
      expect(await jobs.insertForEvents([at(edge - 1000 + windowMs)])).toEqual([{ outcome: 'created', version: 1 }]);
      expect(await jobs.insertForEvents([at(edge - 1000 + windowMs + 5000)])).toEqual([{ outcome: 'duplicate', version: 1 }]);
      // the same key without a window lasts: once, ever
      const lasting = { ...at(edge + 10 * windowMs), dedupeWindowMs: undefined, dedupe: { key: 'header', window: 'lasting' } };
      expect(await jobs.insertForEvents([lasting])).toEqual([{ outcome: 'created', version: 1 }]);
      expect(await jobs.insertForEvents([{ ...lasting, id: `job_${ulid()}`, receivedAt: new Date(edge + 100 * windowMs) }])).toEqual([{ outcome: 'duplicate', version: 1 }]);
      const rows = (await ds.query(`SELECT dedupe FROM jobs WHERE recipe_id = 'rcp_win' ORDER BY received_at`)) as { dedupe: unknown }[];
      expect(rows.map((r) => r.dedupe)).toEqual([
        { key: 'body-hash', window: '1m' },
        { key: 'body-hash', window: '1m' },
        { key: 'header', window: 'lasting' },
      ]);
    } finally {
      await ds.query(`DELETE FROM jobs WHERE recipe_id = 'rcp_win'`);
      await ds.query(`DELETE FROM recipe_versions WHERE recipe_id = 'rcp_win'`);
      await ds.query(`DELETE FROM recipes WHERE id = 'rcp_win'`);
    }
  });

  it("turns an event into a job of the recipe's active version in one statement, with that version's concurrency", async () => {
    await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_ev', 'ws_1', 'ev', 2, 'running', 1)`);
    await ds.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_ev', 1, '{"settings":{"concurrency":7}}'), ('rcp_ev', 2, '{}')`);
    const event = (dedupeKey: string, overrides: Partial<NewEvent> = {}): NewEvent => {
      const { recipeVersion: _v, concurrency: _c, ...job } = newJob({ recipeId: 'rcp_ev', dedupeKey });
      return { ...job, defaultConcurrency: 42, ...overrides };
    };
    try {
      expect(await jobs.insertForEvent(event('e1'))).toEqual({ outcome: 'created', version: 1 });
      expect(await jobs.insertForEvent(event('e1'))).toEqual({ outcome: 'duplicate', version: 1 });
      expect(await jobs.insertForEvent(event('e2', { workspaceId: 'ws_2' }))).toEqual({ outcome: 'no_recipe' });
      expect(await jobs.insertForEvent(event('e3', { recipeId: 'rcp_none' }))).toEqual({ outcome: 'no_recipe' });

      // a stopped recipe that never ran takes its latest version; no settings → the default concurrency
      await ds.query(`UPDATE recipes SET active_version = NULL, state = 'stopped' WHERE id = 'rcp_ev'`);
      expect(await jobs.insertForEvent(event('e4'))).toEqual({ outcome: 'created', version: 2 });
      const rows = (await ds.query(`SELECT dedupe_key, recipe_version, concurrency, status, trigger FROM jobs WHERE recipe_id = 'rcp_ev' ORDER BY dedupe_key`)) as unknown[];
      expect(rows).toEqual([
        { dedupe_key: 'e1', recipe_version: 1, concurrency: 7, status: 'queued', trigger: { body: { n: 1 } } },
        { dedupe_key: 'e4', recipe_version: 2, concurrency: 42, status: 'queued', trigger: { body: { n: 1 } } },
      ]);

      await ds.query(`UPDATE recipes SET deleted_at = now() WHERE id = 'rcp_ev'`);
      expect(await jobs.insertForEvent(event('e5'))).toEqual({ outcome: 'no_recipe' });
    } finally {
      await ds.query(`DELETE FROM jobs WHERE recipe_id = 'rcp_ev'`);
      await ds.query(`DELETE FROM recipe_versions WHERE recipe_id = 'rcp_ev'`);
      await ds.query(`DELETE FROM recipes WHERE id = 'rcp_ev'`);
    }
  });

  it('turns a batch of events into jobs in one statement, one outcome per event in the order given', async () => {
    await ds.query(
      `INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_b1', 'ws_1', 'b1', 2, 'running', 1), ('rcp_b2', 'ws_1', 'b2', 1, 'running', 1)`,
    );
    await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state, active_version, deleted_at) VALUES ('rcp_gone', 'ws_1', 'gone', 1, 'running', 1, now())`);
    await ds.query(
      `INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_b1', 1, '{"settings":{"concurrency":7}}'), ('rcp_b2', 1, '{}'), ('rcp_gone', 1, '{}')`,
    );
    // rcp_nov points at a version that is not there
    await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_nov', 'ws_1', 'nov', 3, 'running', 3)`);
    const event = (recipeId: string, dedupeKey: string, overrides: Partial<NewEvent> = {}): NewEvent => {
      const { recipeVersion: _v, concurrency: _c, ...job } = newJob({ recipeId, dedupeKey, trigger: { body: { key: dedupeKey, text: 'quote " backslash \\ {brace}' } } });
      return { ...job, defaultConcurrency: 42, ...overrides };
    };
    try {
      expect(await jobs.insertForEvents([event('rcp_b1', 'old')])).toEqual([{ outcome: 'created', version: 1 }]);
      const batch = [
        event('rcp_b2', 'z'),
        event('rcp_b1', 'old'), // stored by an earlier statement
        event('rcp_gone', 'g1'), // deleted recipe
        event('rcp_b1', 'same'),
        event('rcp_b1', 'same'), // the same event twice in one batch
        event('rcp_b1', 'x', { workspaceId: 'ws_2' }), // another workspace's recipe id
        event('rcp_nov', 'n1'),
        event('rcp_b2', 'a', { trigger: null }),
      ];
      expect(await jobs.insertForEvents(batch)).toEqual([
        { outcome: 'created', version: 1 },
        { outcome: 'duplicate', version: 1 },
        { outcome: 'no_recipe' },
        { outcome: 'created', version: 1 },
        { outcome: 'duplicate', version: 1 },
        { outcome: 'no_recipe' },
        { outcome: 'no_version', version: 3 },
        { outcome: 'created', version: 1 },
      ]);
      const rows = (await ds.query(
        `SELECT id, recipe_id, dedupe_key, recipe_version, concurrency, status, trigger FROM jobs WHERE recipe_id LIKE 'rcp_b%' OR recipe_id IN ('rcp_gone', 'rcp_nov') ORDER BY recipe_id, dedupe_key`,
      )) as { id: string }[];
      expect(rows).toEqual([
        {
          id: expect.any(String),
          recipe_id: 'rcp_b1',
          dedupe_key: 'old',
          recipe_version: 1,
          concurrency: 7,
          status: 'queued',
          trigger: { body: { key: 'old', text: 'quote " backslash \\ {brace}' } },
        },
        {
          id: batch[3].id,
          recipe_id: 'rcp_b1',
          dedupe_key: 'same',
          recipe_version: 1,
          concurrency: 7,
          status: 'queued',
          trigger: { body: { key: 'same', text: 'quote " backslash \\ {brace}' } },
        },
        { id: batch[7].id, recipe_id: 'rcp_b2', dedupe_key: 'a', recipe_version: 1, concurrency: 42, status: 'queued', trigger: null },
        {
          id: batch[0].id,
          recipe_id: 'rcp_b2',
          dedupe_key: 'z',
          recipe_version: 1,
          concurrency: 42,
          status: 'queued',
          trigger: { body: { key: 'z', text: 'quote " backslash \\ {brace}' } },
        },
      ]);

      // all or nothing: a statement that fails (jsonb refuses \u0000) stores none of its events
      const failing = [event('rcp_b2', 'ok-1'), event('rcp_b2', 'bad', { trigger: { body: 'nul \u0000 here' } }), event('rcp_b2', 'ok-2')];
      await expect(jobs.insertForEvents(failing)).rejects.toMatchObject({ code: '22P05' });
      expect(await ds.query(`SELECT count(*)::int AS n FROM jobs WHERE dedupe_key IN ('ok-1', 'bad', 'ok-2')`)).toEqual([{ n: 0 }]);
    } finally {
      await ds.query(`DELETE FROM jobs WHERE recipe_id LIKE 'rcp_b%' OR recipe_id IN ('rcp_gone', 'rcp_nov')`);
      await ds.query(`DELETE FROM recipe_versions WHERE recipe_id LIKE 'rcp_b%' OR recipe_id IN ('rcp_gone', 'rcp_nov')`);
      await ds.query(`DELETE FROM recipes WHERE id LIKE 'rcp_b%' OR id IN ('rcp_gone', 'rcp_nov')`);
    }
  });

  it('makes one job per event when batches holding the same events race (some in reverse order)', async () => {
    await ds.query(`INSERT INTO recipes (id, workspace_id, name, version, state, active_version) VALUES ('rcp_race', 'ws_1', 'race', 1, 'running', 1)`);
    await ds.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ('rcp_race', 1, '{}')`);
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    const event = (dedupeKey: string): NewEvent => {
      const { recipeVersion: _v, concurrency: _c, ...job } = newJob({ recipeId: 'rcp_race', dedupeKey });
      return { ...job, defaultConcurrency: 1 };
    };
    try {
      // each batch has every key, half of them in the reverse order (inserted as given, they meet in the middle)
      const batches = Array.from({ length: 8 }, (_, b) => (b % 2 ? [...keys].reverse() : keys).map(event));
      const outcomes = (await Promise.all(batches.map((b) => jobs.insertForEvents(b)))).flat();
      expect(outcomes.filter((o) => o.outcome === 'created')).toHaveLength(keys.length);
      expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(keys.length * 7);
      expect(await ds.query(`SELECT count(*)::int AS n FROM jobs WHERE recipe_id = 'rcp_race'`)).toEqual([{ n: keys.length }]);
    } finally {
      await ds.query(`DELETE FROM jobs WHERE recipe_id = 'rcp_race'`);
      await ds.query(`DELETE FROM recipe_versions WHERE recipe_id = 'rcp_race'`);
      await ds.query(`DELETE FROM recipes WHERE id = 'rcp_race'`);
    }
  });

  it('fences a stale worker: a checkpoint with an old revision, a lost lease or after cancel writes nothing', async () => {
    const job = newJob();
    await jobs.insertIfAbsent(job);
    const [claimed] = await claim('A', 10);
    const rev = await jobs.checkpoint(job.id, 'A', claimed.revision, { state: { n: 1 }, status: 'running', steps: [step] });
    expect(rev).toBe(claimed.revision + 1);
    // the same revision again (a late duplicate of the same write) and another owner: both refused
    expect(await jobs.checkpoint(job.id, 'A', claimed.revision, { state: { n: 99 }, status: 'running', steps: [step] })).toBeUndefined();
    expect(await jobs.checkpoint(job.id, 'B', rev as number, { state: { n: 99 }, status: 'running', steps: [step] })).toBeUndefined();

    const cancelled = await jobs.operate({ workspaceId: 'ws_1', id: job.id }, rev as number, { status: 'cancelled', state: { n: 1 }, error: null, finished: true });
    expect(cancelled?.status).toBe('cancelled');
    expect(await jobs.checkpoint(job.id, 'A', rev as number, { state: { n: 2 }, status: 'succeeded', steps: [step], finished: true })).toBeUndefined();
    expect(await jobs.checkpoint(job.id, 'A', (rev as number) + 1, { state: { n: 2 }, status: 'succeeded', steps: [step], finished: true })).toBeUndefined();

    const row = await jobs.find({ workspaceId: 'ws_1', id: job.id });
    expect(row).toMatchObject({ status: 'cancelled', state: { n: 1 } });
    expect((await jobs.steps(job.id)).map((s) => s.seq)).toEqual([1]);
    // other workspaces do not see it
    expect(await jobs.find({ workspaceId: 'ws_2', id: job.id })).toBeUndefined();
  });

  it("keeps the first claim time across re-claims (the clock of a new job's first advance), and forgets it when a job without state is queued again", async () => {
    const job = newJob();
    await jobs.insertIfAbsent(job);
    const [first] = await claim('A', 10, 1);
    expect(first.startedAt).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 20));
    // the lease ran out before any checkpoint: the re-claim keeps started_at
    const [again] = await claim('B', 10);
    expect(again.revision).toBe(first.revision + 1);
    expect(again.startedAt).toEqual(first.startedAt);
    // it failed without engine state; a rerun queues it again: claimed anew, it starts anew
    const failed = await jobs.operate({ workspaceId: 'ws_1', id: job.id }, again.revision, { status: 'failed', state: null, error: { kind: 'x' }, finished: true });
    expect(failed?.startedAt).toEqual(first.startedAt);
    const queued = await jobs.operate({ workspaceId: 'ws_1', id: job.id }, failed?.revision as number, { status: 'queued', state: null, error: null, finished: false });
    expect(queued?.startedAt).toBeNull();
    const [rerun] = await claim('A', 10);
    expect(rerun.startedAt?.getTime()).toBeGreaterThan(first.startedAt?.getTime() as number);
    // one with engine state keeps its start (a rerun from its failed step)
    const kept = await jobs.operate({ workspaceId: 'ws_1', id: job.id }, rerun.revision, { status: 'queued', state: { n: 1 }, error: null, finished: false });
    expect(kept?.startedAt).toEqual(rerun.startedAt);
  });

  it('numbers step rows across checkpoints and writes them with the state atomically', async () => {
    const job = newJob();
    await jobs.insertIfAbsent(job);
    const [claimed] = await claim('A', 10);
    const r1 = await jobs.checkpoint(job.id, 'A', claimed.revision, { state: {}, status: 'running', steps: [step, { ...step, stepId: 'b', stepKey: 'b' }] });
    await jobs.checkpoint(job.id, 'A', r1 as number, { state: {}, status: 'succeeded', steps: [{ ...step, stepId: 'c', stepKey: 'c' }], finished: true });
    expect((await jobs.steps(job.id)).map((s) => [s.seq, s.stepId])).toEqual([
      [1, 'post'],
      [2, 'b'],
      [3, 'c'],
    ]);
    const row = await jobs.find({ workspaceId: 'ws_1', id: job.id });
    expect(row).toMatchObject({ status: 'succeeded', leaseOwner: null, stepCount: 3 });
    expect(row?.finishedAt).toBeInstanceOf(Date);
  });

  it('stores a step input that holds the trigger’s own values once (input_ref) and reads it back whole, batched or in a transaction', async () => {
    const trigger = { body: { tag: 'x', rows: [{ n: 1, note: 'é' }, { n: 2 }] }, headers: { 'x-id': 'h' } };
    const job = newJob({ trigger });
    await jobs.insertIfAbsent(job);
    const [claimed] = await claim('A', 10);
    // the stored input has null where the references go; the whole trigger, a part of it at depth, and a part of an array
    const refStep = {
      ...step,
      input: { method: 'POST', body: { json: null }, h: null },
      inputRef: [
        { at: ['body', 'json'], from: ['body'] },
        { at: ['h'], from: ['headers'] },
      ],
    };
    const whole = { ...step, stepId: 'whole', stepKey: 'whole', input: null, inputRef: [{ at: [], from: [] }] };
    const r1 = await jobs.checkpoint(job.id, 'A', claimed.revision, { state: {}, status: 'running', steps: [refStep, whole] });
    // the single-statement path (inside a transaction), with a reference to a value the trigger lacks
    await ds.transaction((em) =>
      new JobRepository(em).checkpoint(job.id, 'A', r1 as number, {
        state: {},
        status: 'succeeded',
        steps: [
          {
            ...step,
            stepId: 'rows',
            stepKey: 'rows',
            input: { list: null },
            inputRef: [
              { at: ['list'], from: ['body', 'rows'] },
              { at: ['gone'], from: ['nope'] },
            ],
          },
        ],
        finished: true,
      }),
    );
    const stored = (await ds.query(`SELECT step_id, input, input_ref FROM job_steps WHERE job_id = $1 ORDER BY seq`, [job.id])) as {
      step_id: string;
      input: unknown;
      input_ref: unknown;
    }[];
    expect(stored.map((s) => s.input)).toEqual([{ method: 'POST', body: { json: null }, h: null }, null, { list: null }]);
    expect(stored[0].input_ref).toEqual(refStep.inputRef);
    const expected = [{ method: 'POST', body: { json: trigger.body }, h: trigger.headers }, trigger, { list: trigger.body.rows, gone: null }];
    const read = await jobs.steps(job.id);
    expect(read.map((s) => s.input)).toEqual(expected);
    expect(read[0]).not.toHaveProperty('inputRef');
    expect(read[0]).toMatchObject({ jobId: job.id, seq: 1, stepId: 'post', kind: 'action', status: 'succeeded', attempt: 1, attemptGroup: 0, output: { ok: true }, error: null });
    expect(read[0].startedAt).toBeInstanceOf(Date);
    const recorded = await new RecordedJobsRepository(ds.manager).steps([job.id]);
    expect(recorded.map((s) => s.input)).toEqual(expected);
  });

  it('never leases more jobs of a recipe than its concurrency, across racing claimers, and re-leases expired ones', async () => {
    for (let i = 0; i < 10; i++) await jobs.insertIfAbsent(newJob({ recipeId: 'rcp_narrow', concurrency: 3 }));
    for (let i = 0; i < 4; i++) await jobs.insertIfAbsent(newJob({ recipeId: 'rcp_wide' }));
    const rounds = await Promise.all([claim('A', 50, 300), claim('B', 50, 300), claim('C', 50, 300)]);
    const all = rounds.flat();
    expect(new Set(all.map((j) => j.id)).size).toBe(all.length);
    expect(all.filter((j) => j.recipeId === 'rcp_narrow')).toHaveLength(3);
    expect(all.filter((j) => j.recipeId === 'rcp_wide')).toHaveLength(4);
    expect(await claim('D', 50)).toHaveLength(0);

    // the holders die: their leases run out and another worker takes the jobs over
    await new Promise((r) => setTimeout(r, 400));
    const takeover = await claim('E', 50);
    expect(takeover.filter((j) => j.recipeId === 'rcp_narrow')).toHaveLength(3);
    expect(takeover.every((j) => j.leaseOwner === 'E')).toBe(true);
    expect(
      await jobs.renew(
        'A',
        all.map((j) => j.id),
        1000,
      ),
    ).toEqual(new Set());
    expect(
      (
        await jobs.renew(
          'E',
          takeover.map((j) => j.id),
          1000,
        )
      ).size,
    ).toBe(takeover.length);
  });

  it('fails jobs past their deadline, whoever holds them, and only those', async () => {
    const late = newJob();
    const fine = newJob();
    await jobs.insertIfAbsent(late);
    await jobs.insertIfAbsent(fine);
    await claim('A', 10);
    await ds.query(`UPDATE jobs SET deadline_at = now() - interval '1 minute', state = '{"pending":{"stepId":"post","stepKey":"post"},"status":"running"}' WHERE id = $1`, [
      late.id,
    ]);
    await ds.query(`UPDATE jobs SET deadline_at = now() + interval '1 minute' WHERE id = $1`, [fine.id]);
    expect(await jobs.failOverdue(10, 0)).toEqual([late.id]);
    const row = await jobs.find({ workspaceId: 'ws_1', id: late.id });
    expect(row).toMatchObject({ status: 'failed', leaseOwner: null, error: { kind: 'timeout', stepId: 'post' }, state: { status: 'failed', pending: null } });
    expect((await jobs.find({ workspaceId: 'ws_1', id: fine.id }))?.status).toBe('running');
    expect(await jobs.failOverdue(10, 0)).toEqual([]);
  });
});
