import type { Pool as PgPool } from 'pg';
import type { Checkpoint } from './job.repository';

/** One job's checkpoint waiting for its batch: resolved with the new revision, or undefined (stale). */
interface Pending {
  id: string;
  owner: string;
  revision: number;
  cp: Checkpoint;
  resolve: (revision: number | undefined) => void;
  reject: (error: unknown) => void;
}

// a batch never holds more rows than this; the rest wait for the next one
const MAX_BATCH = 256;
// batches sent at once by one process; while they run, new checkpoints gather for the next
const MAX_IN_FLIGHT = 2;
// a batch that deadlocked with another writer of the same rows (renewals, sweeps) is rolled back whole and sent again
const DEADLOCK_RETRIES = 3;
const RETRYABLE = new Set(['40P01', '40001']);
// SQLSTATE classes of an error one row's data causes (22: data exception, e.g. a NUL in a step's
// output; 23: a constraint): the batch is split so that row fails alone, not its neighbours' jobs
const ROW_ERROR_CLASSES = ['22', '23'];

/**
 * The checkpoint statement of a whole batch: per row, the compare-and-set on revision, lease owner
 * and status that `JobRepository.checkpoint` does for one job, and that row's step rows numbered
 * from its `step_count`. One statement, so one round trip and one commit (one WAL flush) for every
 * checkpoint of the batch; a row whose compare-and-set loses writes nothing and is absent from the
 * result, without touching the others.
 */
const BATCH_SQL = `WITH c AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(i int, id text, revision int, owner text, state jsonb, status text, n int,
            reply jsonb, error jsonb, deadline_at timestamptz, finished boolean, wake_at timestamptz, steps jsonb)
   ), j AS (
     UPDATE jobs SET state = c.state, status = c.status, revision = jobs.revision + 1, step_count = jobs.step_count + c.n, updated_at = now(),
            reply = coalesce(c.reply, jobs.reply), error = c.error, deadline_at = coalesce(c.deadline_at, jobs.deadline_at),
            finished_at = CASE WHEN c.finished THEN now() ELSE jobs.finished_at END,
            lease_owner = CASE WHEN c.finished OR c.wake_at IS NOT NULL THEN NULL ELSE jobs.lease_owner END,
            lease_until = CASE WHEN c.finished OR c.wake_at IS NOT NULL THEN NULL ELSE jobs.lease_until END,
            wake_at = c.wake_at
       FROM c
      WHERE jobs.id = c.id AND jobs.revision = c.revision AND jobs.lease_owner = c.owner AND jobs.status = 'running'
      RETURNING c.i, jobs.id, jobs.revision, jobs.step_count, c.n, c.steps
   ), s AS (
     INSERT INTO job_steps (job_id, seq, step_id, step_key, kind, status, attempt, attempt_group, input, output, error, started_at, finished_at)
     SELECT j.id, j.step_count - j.n + e.ord, e.v->>'stepId', e.v->>'stepKey', e.v->>'kind', e.v->>'status', (e.v->>'attempt')::int,
            (e.v->>'attemptGroup')::int, e.v->'input', e.v->'output', e.v->'error',
            (e.v->>'startedAt')::timestamptz, (e.v->>'finishedAt')::timestamptz
       FROM j, jsonb_array_elements(j.steps) WITH ORDINALITY AS e(v, ord)
   )
   SELECT i, revision FROM j`;

/**
 * Group commit of checkpoints (#19). The checkpoints that this process's jobs issue within one
 * event-loop turn (and those issued while earlier batches are running) go to Postgres as one
 * statement. Each caller gets its own outcome exactly as a single `checkpoint` gives it: the new
 * revision, or undefined when its compare-and-set lost. Each promise settles only after the
 * statement, and so its commit, has ended: nothing a checkpoint issued runs before it is durable.
 * If the statement fails because of one row's data (a constraint, a value Postgres cannot store),
 * the batch is sent again row by row so only that job's checkpoint fails; any other failure (the
 * server away) goes to every caller of the batch, whose retry re-queues into a later batch.
 */
export class CheckpointBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(private readonly pool: PgPool) {}

  checkpoint(id: string, owner: string, revision: number, cp: Checkpoint): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id, owner, revision, cp, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    // one row per job in a statement: a second checkpoint of the same job (never issued by one
    // driver, but not excluded here) waits for the next batch, so it sees the first one's revision
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const ids = new Set<string>();
    for (const p of this.queue) {
      if (batch.length < MAX_BATCH && !ids.has(p.id)) {
        ids.add(p.id);
        batch.push(p);
      } else rest.push(p);
    }
    this.queue = rest;
    this.inFlight++;
    void this.send(batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
    this.schedule();
  }

  private async send(batch: Pending[]): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(batch.map((p, i) => row(i, p)));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const { rows } = await this.pool.query<{ i: number; revision: number }>({ name: 'executor_jobs_checkpoint_batch', text: BATCH_SQL, values: [text] });
        const won = new Map(rows.map((r) => [r.i, r.revision]));
        batch.forEach((p, i) => p.resolve(won.get(i)));
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt < DEADLOCK_RETRIES && typeof code === 'string' && RETRYABLE.has(code)) continue;
        if (batch.length > 1 && typeof code === 'string' && ROW_ERROR_CLASSES.includes(code.slice(0, 2))) {
          // one job's bad data must not fail the other jobs (and workspaces) that shared its batch
          await Promise.all(batch.map((p) => this.send([p])));
          return;
        }
        for (const p of batch) p.reject(error);
        return;
      }
    }
  }
}

function row(i: number, { id, owner, revision, cp }: Pending): Record<string, unknown> {
  return {
    i,
    id,
    revision,
    owner,
    state: cp.state,
    status: cp.status,
    n: cp.steps.length,
    reply: cp.reply ?? null,
    error: cp.error ?? null,
    deadline_at: cp.deadlineAt ?? null,
    finished: cp.finished ?? false,
    wake_at: cp.wakeAt ?? null,
    steps: cp.steps,
  };
}

const batchers = new WeakMap<PgPool, CheckpointBatcher>();

/** The one batcher of a connection pool: every repository over the same pool shares its batches. */
export function checkpointBatcher(pool: PgPool): CheckpointBatcher {
  let batcher = batchers.get(pool);
  if (!batcher) {
    batcher = new CheckpointBatcher(pool);
    batchers.set(pool, batcher);
  }
  return batcher;
}
