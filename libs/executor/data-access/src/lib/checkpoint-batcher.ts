import type { Pool as PgPool } from 'pg';
import type { Checkpoint } from './job.repository';
import { perPool, TurnBatcher } from './turn-batcher';
import { walDurability } from './wal-durability';

/** One job's checkpoint in a batch. */
interface Item {
  id: string;
  owner: string;
  revision: number;
  cp: Checkpoint;
}

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
     INSERT INTO job_steps (job_id, seq, step_id, step_key, kind, status, attempt, attempt_group, input, input_ref, output, error, started_at, finished_at)
     SELECT j.id, j.step_count - j.n + e.ord, e.v->>'stepId', e.v->>'stepKey', e.v->>'kind', e.v->>'status', (e.v->>'attempt')::int,
            (e.v->>'attemptGroup')::int, e.v->'input', e.v->'inputRef', e.v->'output', e.v->'error',
            (e.v->>'startedAt')::timestamptz, (e.v->>'finishedAt')::timestamptz
       FROM j, jsonb_array_elements(j.steps) WITH ORDINALITY AS e(v, ord)
   )
   SELECT i, revision FROM j`;

/**
 * Group commit of checkpoints (#19). The checkpoints that this process's jobs issue within one
 * event-loop turn (and those issued while earlier batches are running) go to Postgres as one
 * statement (`TurnBatcher`: batching, commit before each answer, a row's bad data failing alone,
 * deadlock retries). Each caller gets its own outcome exactly as a single `checkpoint` gives it:
 * the new revision, or undefined when its compare-and-set lost. One row per job in a statement: a
 * second checkpoint of the same job (never issued by one driver, but not excluded here) waits for
 * the next batch, so it sees the first one's revision.
 */
export class CheckpointBatcher {
  private readonly batcher: TurnBatcher<Item, number | undefined>;

  constructor(pool: PgPool) {
    this.batcher = new TurnBatcher(pool, { key: (c) => c.id, send: sendCheckpoints });
  }

  checkpoint(id: string, owner: string, revision: number, cp: Checkpoint): Promise<number | undefined> {
    return this.batcher.submit({ id, owner, revision, cp });
  }
}

async function sendCheckpoints(pool: PgPool, batch: Item[]): Promise<(number | undefined)[]> {
  // a synchronous commit: once it wrote a row, the asynchronous commits before it are durable too
  const covered = walDurability(pool).covering();
  let rows: { i: number; revision: number }[] = [];
  try {
    ({ rows } = await pool.query<{ i: number; revision: number }>({
      name: 'executor_jobs_checkpoint_batch',
      text: BATCH_SQL,
      values: [JSON.stringify(batch.map((c, i) => row(i, c)))],
    }));
  } finally {
    covered(rows.length > 0);
  }
  const won = new Map(rows.map((r) => [r.i, r.revision]));
  return batch.map((_, i) => won.get(i));
}

function row(i: number, { id, owner, revision, cp }: Item): Record<string, unknown> {
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

/** The one batcher of a connection pool: every repository over the same pool shares its batches. */
export const checkpointBatcher = perPool((pool) => new CheckpointBatcher(pool));
