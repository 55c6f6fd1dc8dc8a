import { escapeLiteral, type Pool as PgPool, type QueryResult } from 'pg';
import type { EntityManager } from 'typeorm';
import { checkpointBatcher } from './checkpoint-batcher';
import type { JobDedupe, JobRow, JobRowStatus, JobStepRow } from './entities';
import { camelRows, STEP_COLUMNS } from './raw-rows';
import { walDurability } from './wal-durability';
import type { WorkspaceScope } from './workspace-scope';

const LIVE = `('queued', 'running')`;

export type NewJob = Pick<JobRow, 'id' | 'workspaceId' | 'recipeId' | 'recipeVersion' | 'dedupeKey' | 'triggerKind' | 'concurrency' | 'trigger' | 'receivedAt'> & {
  /** The trace context of the request or message that made the job, continued by its driving. */
  traceparent?: string;
};

/** A trigger event to turn into a job of its recipe's active version; `defaultConcurrency` applies when the version sets none. */
export type NewEvent = Omit<NewJob, 'recipeVersion' | 'concurrency'> & {
  defaultConcurrency: number;
  /** How long the key absorbs repeats, ms, from the first job it made; absent: for ever. */
  dedupeWindowMs?: number;
  /** Which key and window applied, shown in the job view. */
  dedupe?: JobDedupe;
};

export type EventIntake = { outcome: 'no_recipe' } | { outcome: 'no_version' | 'created' | 'duplicate'; version: number };

/** Jobs to lease to a worker as they are inserted: at most `room`, for `leaseMs`. */
export interface JobLease {
  owner: string;
  leaseMs: number;
  room: number;
}

/** What `insertForEventsAsync` did: each event's outcome, the jobs it leased, and when its commit is durable. */
export interface AsyncIntake {
  outcomes: EventIntake[];
  leased: JobRow[];
  /**
   * Resolves once the commit is flushed to disk, by the next synchronous commit over the pool or one
   * made after `waitMs` (rejects when that cannot be known: Postgres away).
   */
  durable(waitMs?: number): Promise<void>;
}

// claim_jobs' advisory lock (migration 1764200000000): leasing at insert counts leases under it too
const CLAIM_LOCK = 1786080867;

/** Runs an insert's statement some other way than `hot` does (its rows are the answer). */
type Via = (text: string, values: unknown[]) => Promise<object[]>;

/**
 * Leases jobs just inserted (queued, in the same transaction) as `claim_jobs` does, in its order,
 * within each recipe's concurrency, at most $4 of them: `$1` holds the ids of the inserted events'
 * jobs (a duplicate made no row with its id). None of a recipe with an older job waiting to be
 * claimed: that one goes first, by the claim. Run after claim_jobs' lock in the same transaction.
 */
const LEASE_NEW_SQL = `WITH n AS (
     SELECT id, recipe_id, concurrency, priority, created_at FROM jobs j
      WHERE id = ANY($1::text[]) AND status = 'queued' AND lease_owner IS NULL
        -- a job of the recipe that waits to be claimed (queued behind its concurrency, handed back
        -- by a dead worker) goes first: a new one is not leased past it
        AND NOT EXISTS (
          SELECT 1 FROM jobs w
           WHERE w.recipe_id = j.recipe_id AND w.status IN ('queued', 'running') AND NOT (w.id = ANY($1::text[]))
             AND (w.lease_until IS NULL OR w.lease_until <= now()) AND (w.wake_at IS NULL OR w.wake_at <= now()))
   ), busy AS (
     SELECT recipe_id, count(*)::int AS n FROM jobs
      WHERE status = 'running' AND lease_until > now() AND recipe_id IN (SELECT recipe_id FROM n) GROUP BY recipe_id
   ), ranked AS (
     SELECT n.id, n.priority, n.created_at, n.concurrency,
            coalesce(b.n, 0) + row_number() OVER (PARTITION BY n.recipe_id ORDER BY n.priority DESC, n.created_at, n.id) AS slot
       FROM n LEFT JOIN busy b USING (recipe_id)
   ), chosen AS (
     SELECT id FROM ranked WHERE slot <= concurrency ORDER BY priority DESC, created_at, id LIMIT $4
   )
   UPDATE jobs SET status = 'running', lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond', wake_at = NULL,
          revision = jobs.revision + 1, started_at = coalesce(jobs.started_at, now()), updated_at = now()
     FROM chosen WHERE jobs.id = chosen.id RETURNING jobs.*`;

/** `text` with each `$n` replaced by its value as an escaped literal (the statement casts each one). */
function withLiterals(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)\b/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/** A value as the driver would send it (text; an array as an array literal), quoted; NULL for null. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
  if (!Array.isArray(value)) return escapeLiteral(text(value));
  const items = value.map((v: unknown) => (v === null || v === undefined ? 'NULL' : `"${text(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`));
  return escapeLiteral(`{${items.join(',')}}`);
}

/** One step row to write with a checkpoint; `seq` is assigned from the job's `step_count`. */
export type NewStep = Omit<JobStepRow, 'jobId' | 'seq'>;

export interface Checkpoint {
  state: Record<string, unknown>;
  status: JobRowStatus;
  steps: NewStep[];
  reply?: Record<string, unknown>;
  error?: Record<string, unknown> | null;
  deadlineAt?: Date | null;
  /** Give the lease up and sleep until then (a long wait); null keeps the lease. */
  wakeAt?: Date | null;
  finished?: boolean;
}

export interface JobFilter {
  recipeId?: string;
  status?: JobRowStatus;
  since?: Date;
  limit: number;
  cursor?: string;
}

/**
 * Jobs and their step rows. Every write of a running job is a compare-and-set on `revision`
 * and the lease owner: a worker that lost its lease (or a job cancelled under it) writes nothing.
 */
export class JobRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The hot statements (claim, checkpoint, batched intake) go straight to `pg`'s pool as named
   * prepared statements: each connection parses and plans them once, then sends only Bind/Execute,
   * and TypeORM's query runner (one object, logger and broadcaster per query) is skipped. Inside a
   * transaction (an entity manager with its own query runner) they run through it as before.
   */
  private async hot<T extends object>(name: string | undefined, text: string, values: unknown[], via?: Via): Promise<T[]> {
    if (via) return via(text, values) as Promise<T[]>;
    const pool = this.em.queryRunner ? undefined : (this.em.connection.driver as { master?: PgPool }).master;
    if (!pool) return rowsOf<T>(await this.em.query(text, values));
    return (await pool.query(name ? { name, text, values } : { text, values })).rows as T[];
  }

  /** The lasting dedupe: at most one job per (recipe, dedupe key), whatever JetStream redelivers. */
  async insertIfAbsent(job: NewJob): Promise<boolean> {
    const rows = (await this.em.query(
      `INSERT INTO jobs (id, workspace_id, recipe_id, recipe_version, dedupe_key, trigger_kind, status, concurrency, trigger, received_at, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10)
       ON CONFLICT ON CONSTRAINT jobs_once_per_event DO NOTHING RETURNING id`,
      [
        job.id,
        job.workspaceId,
        job.recipeId,
        job.recipeVersion,
        job.dedupeKey,
        job.triggerKind,
        job.concurrency,
        JSON.stringify(job.trigger ?? null),
        job.receivedAt,
        job.traceparent ?? null,
      ],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * A trigger event's job, in one statement: the recipe's active version (a deleted recipe's
   * events make nothing), that version's concurrency, and the insert deduplicated on
   * `(recipe, dedupe key)`. Replaces a recipe read plus an insert per event.
   */
  async insertForEvent(event: NewEvent): Promise<EventIntake> {
    const [row] = (await this.em.query(
      `WITH r AS (
         SELECT id, coalesce(active_version, version) AS version FROM recipes WHERE id = $3 AND workspace_id = $2 AND deleted_at IS NULL
       ), v AS (
         SELECT r.id, r.version, coalesce((CASE WHEN jsonb_typeof(d.definition #> '{settings,concurrency}') = 'number' THEN (d.definition #>> '{settings,concurrency}')::int END), $8) AS concurrency
           FROM r JOIN recipe_versions d ON d.recipe_id = r.id AND d.version = r.version
       ), ins AS (
         INSERT INTO jobs (id, workspace_id, recipe_id, recipe_version, dedupe_key, trigger_kind, status, concurrency, trigger, received_at, traceparent)
         SELECT $1, $2, v.id, v.version, $4, $5, 'queued', v.concurrency, $6, $7, $9 FROM v
         ON CONFLICT ON CONSTRAINT jobs_once_per_event DO NOTHING RETURNING id
       )
       SELECT (SELECT version FROM r) AS version, EXISTS (SELECT 1 FROM v) AS has_version, EXISTS (SELECT 1 FROM ins) AS created`,
      [
        event.id,
        event.workspaceId,
        event.recipeId,
        event.dedupeKey,
        event.triggerKind,
        JSON.stringify(event.trigger ?? null),
        event.receivedAt,
        event.defaultConcurrency,
        event.traceparent ?? null,
      ],
    )) as { version: number | null; has_version: boolean; created: boolean }[];
    if (row.version === null) return { outcome: 'no_recipe' };
    if (!row.has_version) return { outcome: 'no_version', version: row.version };
    return { outcome: row.created ? 'created' : 'duplicate', version: row.version };
  }

  /**
   * Many trigger events' jobs in one statement (one round trip and one commit for a whole batch):
   * what `insertForEvent` does per event, with one outcome per event, in the order given. Events
   * of one batch that share `(recipe, dedupe key)` make one job (the first); the others are
   * `duplicate`. Rows are inserted in `(recipe, dedupe key)` order so that two batches racing on
   * the same keys wait on each other instead of deadlocking. All or nothing: if the statement
   * fails, no event of the batch is stored.
   */
  async insertForEvents(events: NewEvent[], via?: Via): Promise<EventIntake[]> {
    if (events.length === 0) return [];
    const order = events.map((_, i) => i).sort((a, b) => compareKeys(events[a], events[b]));
    const col = <T>(pick: (e: NewEvent) => T) => order.map((i) => pick(events[i]));
    // a windowed key is unique per bucket of its window; a repeat just past a bucket's edge is
    // still inside the window of the job the previous bucket made, so that job absorbs it too
    const rows = await this.hot<{ ord: string; version: number | null; has_version: boolean; created: boolean }>(
      'executor_jobs_insert_for_events_traced',
      `WITH e AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $9::bigint[], $10::bigint[], $11::text[], $12::text[])
                  WITH ORDINALITY AS e(id, workspace_id, recipe_id, dedupe_key, trigger_kind, received_at, default_concurrency, window_ms, bucket, dedupe, traceparent, ord)
       ), t AS (
         SELECT * FROM jsonb_array_elements($8::jsonb) WITH ORDINALITY AS t(trigger, ord)
       ), v AS (
         SELECT e.ord, r.id AS rid, coalesce(r.active_version, r.version) AS version, d.recipe_id IS NOT NULL AS has_version,
                coalesce((CASE WHEN jsonb_typeof(d.definition #> '{settings,concurrency}') = 'number' THEN (d.definition #>> '{settings,concurrency}')::int END), e.default_concurrency) AS concurrency
           FROM e LEFT JOIN recipes r ON r.id = e.recipe_id AND r.workspace_id = e.workspace_id AND r.deleted_at IS NULL
                  LEFT JOIN recipe_versions d ON d.recipe_id = r.id AND d.version = coalesce(r.active_version, r.version)
       ), ins AS (
         INSERT INTO jobs (id, workspace_id, recipe_id, recipe_version, dedupe_key, dedupe_bucket, dedupe, trigger_kind, status, concurrency, trigger, received_at, traceparent)
         SELECT e.id, e.workspace_id, v.rid, v.version, e.dedupe_key, e.bucket, e.dedupe::jsonb, e.trigger_kind, 'queued', v.concurrency, t.trigger, e.received_at, e.traceparent
           FROM e JOIN v USING (ord) JOIN t USING (ord)
          WHERE v.has_version
            AND (e.window_ms IS NULL OR NOT EXISTS (
                  SELECT 1 FROM jobs p
                   WHERE p.recipe_id = e.recipe_id AND p.dedupe_key = e.dedupe_key AND p.dedupe_bucket = e.bucket - 1
                     AND p.received_at > e.received_at - e.window_ms * interval '1 millisecond'))
          ORDER BY e.ord
         ON CONFLICT ON CONSTRAINT jobs_once_per_event DO NOTHING RETURNING id
       )
       SELECT e.ord, v.version, v.has_version, ins.id IS NOT NULL AS created
         FROM e JOIN v USING (ord) LEFT JOIN ins ON ins.id = e.id ORDER BY e.ord`,
      [
        col((e) => e.id),
        col((e) => e.workspaceId),
        col((e) => e.recipeId),
        col((e) => e.dedupeKey),
        col((e) => e.triggerKind),
        col((e) => e.receivedAt),
        col((e) => e.defaultConcurrency),
        JSON.stringify(col((e) => e.trigger ?? null)),
        col((e) => (e.dedupeWindowMs ? e.dedupeWindowMs : null)),
        col((e) => String(dedupeBucket(e))),
        col((e) => (e.dedupe ? JSON.stringify(e.dedupe) : null)),
        col((e) => e.traceparent ?? null),
      ],
      via,
    );
    const out = new Array<EventIntake>(events.length);
    for (const row of rows) {
      const i = order[Number(row.ord) - 1];
      if (row.version === null) out[i] = { outcome: 'no_recipe' };
      else if (!row.has_version) out[i] = { outcome: 'no_version', version: row.version };
      else out[i] = { outcome: row.created ? 'created' : 'duplicate', version: row.version };
    }
    return out;
  }

  /**
   * `insertForEvents` committed without waiting for its WAL flush (#19: the trigger → done path
   * loses a disk flush), and, given `lease`, the jobs it made leased to `lease.owner` in the same
   * transaction, as `claim_jobs` would lease them (under its lock, within each recipe's concurrency,
   * at most `lease.room`), so the worker drives them without a claim of its own. The commit is
   * durable once `durable()` resolves: its caller acknowledges the events only then (a crash before
   * loses nothing: the event is redelivered and its dedupe key absorbs it). A Postgres crash before
   * that may lose the rows, leases included: a driver already on one then fails its first
   * synchronous write, which names the row (the effect intent's foreign key, the checkpoint's
   * compare-and-set), so nothing goes out for a job that is not stored. Outside a pool (inside a
   * transaction) this is `insertForEvents`, committed by that transaction, and leases nothing.
   */
  async insertForEventsAsync(events: NewEvent[], lease?: JobLease): Promise<AsyncIntake> {
    const pool = this.em.queryRunner ? undefined : (this.em.connection.driver as { master?: PgPool }).master;
    if (!pool || events.length === 0) return { outcomes: await this.insertForEvents(events), leased: [], durable: () => Promise.resolve() };
    // The statements go as one simple query: one round trip, run as one (implicit) transaction, each
    // statement on a fresh snapshot, so the lease counts taken after the claim lock see every lease
    // committed before it. Simple queries take no parameters: the values are written in as literals.
    let insert!: { text: string; values: unknown[] };
    let answer!: (rows: object[]) => void;
    let fail!: (error: unknown) => void;
    const inserted = new Promise<object[]>((resolve, reject) => ((answer = resolve), (fail = reject)));
    // insertForEvents hands its statement to `via` before its first await
    const outcomes = this.insertForEvents(events, (text, values) => ((insert = { text, values }), inserted));
    const leasing = lease !== undefined && lease.room > 0;
    const statements = [
      'SET LOCAL synchronous_commit = off',
      ...(leasing ? [`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`] : []),
      withLiterals(insert.text, insert.values),
      ...(leasing ? [withLiterals(LEASE_NEW_SQL, [events.map((e) => e.id), lease.owner, lease.leaseMs, lease.room])] : []),
    ];
    let results: QueryResult[];
    try {
      results = (await pool.query(statements.join(';\n'))) as unknown as QueryResult[];
    } catch (error) {
      fail(error);
      await outcomes.catch(() => undefined);
      throw error;
    }
    answer(results[leasing ? 2 : 1].rows);
    return { outcomes: await outcomes, leased: leasing ? camelRows<JobRow>(results[3].rows) : [], durable: (waitMs) => walDurability(pool).flushed(waitMs) };
  }

  /**
   * Jobs accepted and not started yet (`queued`): the executor's part of the ingress backlog, and
   * how it splits over the `top` workspaces holding the most of them.
   */
  async countQueuedByWorkspace(top: number): Promise<{ queued: number; byWorkspace: Record<string, number> }> {
    const rows = (await this.em.query(
      `SELECT workspace_id, n, sum(n) OVER ()::int AS total
         FROM (SELECT workspace_id, count(*)::int AS n FROM jobs WHERE status = 'queued' GROUP BY workspace_id) per
        ORDER BY n DESC LIMIT $1`,
      [top],
    )) as { workspace_id: string; n: number; total: number }[];
    return { queued: rows[0]?.total ?? 0, byWorkspace: Object.fromEntries(rows.map((r) => [r.workspace_id, r.n])) };
  }

  /**
   * Hands back every lease held by any other worker (fenced: the revision moves on); returns how
   * many. Only for a process that alone uses this database (standalone mode): a live replica's jobs
   * would be driven twice.
   */
  async releaseOthers(owner: string): Promise<number> {
    const rows = camelRows<{ id: string }>(
      await this.em.query(
        `UPDATE jobs SET lease_owner = NULL, lease_until = NULL, revision = revision + 1
          WHERE status = 'running' AND lease_owner IS NOT NULL AND lease_owner <> $1 RETURNING id`,
        [owner],
      ),
    );
    return rows.length;
  }

  /**
   * Leases up to `limit` jobs nobody holds (new, re-run, woken, or whose worker's lease ran out),
   * oldest first, without taking a recipe past its concurrency. One statement: `claim_jobs`
   * (migration 1764200000000, as 1768000000000 left it) serialises claimers on an advisory lock and
   * counts leases after it.
   */
  async claim(owner: string, leaseMs: number, limit: number): Promise<JobRow[]> {
    // not a named statement: it returns every column of `jobs`, and a cached plan breaks ("must not
    // change result type") when a migration adds one under a running replica
    return camelRows<JobRow>(await this.hot(undefined, `SELECT * FROM claim_jobs($1, $2, $3)`, [owner, leaseMs, limit]));
  }

  /** Extends the leases this worker still holds; returns their ids (the others were taken from it). */
  async renew(owner: string, ids: string[], leaseMs: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = camelRows<{ id: string }>(
      await this.em.query(
        `UPDATE jobs SET lease_until = now() + $3 * interval '1 millisecond'
          WHERE id = ANY($2::text[]) AND lease_owner = $1 AND status = 'running' RETURNING id`,
        [owner, ids, leaseMs],
      ),
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Hands back every lease of a stopping worker (fenced: the revision moves on); returns how many. */
  async releaseAll(owner: string): Promise<number> {
    const rows = camelRows<{ id: string }>(
      await this.em.query(`UPDATE jobs SET lease_owner = NULL, lease_until = NULL, revision = revision + 1 WHERE lease_owner = $1 AND status = 'running' RETURNING id`, [owner]),
    );
    return rows.length;
  }

  /**
   * Writes the engine state and the step rows of one advance in one statement, if `revision`
   * is still the job's and `owner` still holds it. Returns the new revision, or undefined (stale).
   * Outside a transaction it joins the pool's group commit (checkpoint-batcher.ts): the checkpoints
   * of many jobs issued together share one statement and one commit, each with its own outcome.
   */
  async checkpoint(id: string, owner: string, revision: number, cp: Checkpoint): Promise<number | undefined> {
    const pool = this.em.queryRunner ? undefined : (this.em.connection.driver as { master?: PgPool }).master;
    if (pool) return checkpointBatcher(pool).checkpoint(id, owner, revision, cp);
    const steps = cp.steps.map((s) => ({ ...s, startedAt: s.startedAt.toISOString(), finishedAt: s.finishedAt.toISOString() }));
    const rows = await this.hot<{ revision: number }>(
      'executor_jobs_checkpoint',
      `WITH j AS (
         UPDATE jobs SET state = $4, status = $5, revision = revision + 1, step_count = step_count + $6, updated_at = now(),
                reply = coalesce($7, reply), error = $8, deadline_at = coalesce($9, deadline_at),
                finished_at = CASE WHEN $10 THEN now() ELSE finished_at END,
                lease_owner = CASE WHEN $10 OR $11::timestamptz IS NOT NULL THEN NULL ELSE lease_owner END,
                lease_until = CASE WHEN $10 OR $11::timestamptz IS NOT NULL THEN NULL ELSE lease_until END,
                wake_at = $11
          WHERE id = $1 AND revision = $2 AND lease_owner = $3 AND status = 'running'
          RETURNING revision, step_count
       ), s AS (
         INSERT INTO job_steps (job_id, seq, step_id, step_key, kind, status, attempt, attempt_group, input, input_ref, output, error, started_at, finished_at)
         SELECT $1, j.step_count - $6 + e.ord, e.v->>'stepId', e.v->>'stepKey', e.v->>'kind', e.v->>'status', (e.v->>'attempt')::int,
                (e.v->>'attemptGroup')::int, e.v->'input', e.v->'inputRef', e.v->'output', e.v->'error',
                (e.v->>'startedAt')::timestamptz, (e.v->>'finishedAt')::timestamptz
           FROM j, jsonb_array_elements($12::jsonb) WITH ORDINALITY AS e(v, ord)
       )
       SELECT revision FROM j`,
      [
        id,
        revision,
        owner,
        JSON.stringify(cp.state),
        cp.status,
        steps.length,
        cp.reply ? JSON.stringify(cp.reply) : null,
        cp.error ? JSON.stringify(cp.error) : null,
        cp.deadlineAt ?? null,
        cp.finished ?? false,
        cp.wakeAt ?? null,
        JSON.stringify(steps),
      ],
    );
    return rows[0]?.revision;
  }

  find(scope: WorkspaceScope & { id: string }): Promise<JobRow | undefined> {
    return this.one(`SELECT * FROM jobs WHERE id = $1 AND workspace_id = $2`, [scope.id, scope.workspaceId]);
  }

  /** The newest job of the key: a windowed key may have made one per window. */
  findByEvent(scope: WorkspaceScope & { recipeId: string; dedupeKey: string }): Promise<JobRow | undefined> {
    return this.one(`SELECT * FROM jobs WHERE recipe_id = $1 AND dedupe_key = $2 AND workspace_id = $3 ORDER BY dedupe_bucket DESC LIMIT 1`, [
      scope.recipeId,
      scope.dedupeKey,
      scope.workspaceId,
    ]);
  }

  /** Newest first, `cursor` = the last id of the previous page. */
  async list(scope: WorkspaceScope & JobFilter): Promise<JobRow[]> {
    return camelRows<JobRow>(
      await this.em.query(
        `SELECT id, workspace_id, recipe_id, recipe_version, dedupe_key, status, error, alert, created_at, started_at, finished_at FROM jobs
          WHERE workspace_id = $1 AND ($2::text IS NULL OR recipe_id = $2) AND ($3::text IS NULL OR status = $3)
            AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::text IS NULL OR id < $5)
          ORDER BY id DESC LIMIT $6`,
        [scope.workspaceId, scope.recipeId ?? null, scope.status ?? null, scope.since ?? null, scope.cursor ?? null, scope.limit],
      ),
    );
  }

  async steps(jobId: string): Promise<JobStepRow[]> {
    return camelRows<JobStepRow>(await this.em.query(`SELECT ${STEP_COLUMNS} FROM job_steps s WHERE s.job_id = $1 ORDER BY s.seq`, [jobId]));
  }

  /**
   * An operator's change of a job, whoever holds it: compare-and-set on `revision` only, and
   * the lease is dropped so that the holder's next write fails and the dispatcher re-claims.
   * A job made live again (a rerun) forgets its last alert: its next failure alerts anew. One
   * queued again without engine state (it failed before its first checkpoint) also forgets when it
   * was first claimed, as a flow-control deferral does: its first advance runs on that time, so a
   * rerun must get a new one (job-driver.ts).
   */
  async operate(
    scope: WorkspaceScope & { id: string },
    revision: number,
    change: {
      status: JobRowStatus;
      state: Record<string, unknown> | null;
      error: Record<string, unknown> | null;
      deadlineAt?: Date | null;
      finished: boolean;
      /** A rerun on another version of the recipe (the latest) moves the job to it. */
      recipeVersion?: number;
    },
  ): Promise<JobRow | undefined> {
    return this.one(
      `UPDATE jobs SET status = $4, state = $5, error = $6, deadline_at = $7, revision = revision + 1, updated_at = now(),
              lease_owner = NULL, lease_until = NULL, wake_at = NULL,
              started_at = CASE WHEN $4 = 'queued' AND $5::jsonb IS NULL THEN NULL ELSE started_at END,
              finished_at = CASE WHEN $8 THEN now() ELSE NULL END, recipe_version = coalesce($9, recipe_version),
              alert = CASE WHEN $4 IN ${LIVE} THEN NULL ELSE alert END, alert_state = CASE WHEN $4 IN ${LIVE} THEN NULL ELSE alert_state END
        WHERE id = $1 AND workspace_id = $2 AND revision = $3 RETURNING *`,
      [
        scope.id,
        scope.workspaceId,
        revision,
        change.status,
        change.state ? JSON.stringify(change.state) : null,
        change.error ? JSON.stringify(change.error) : null,
        change.deadlineAt ?? null,
        change.finished,
        change.recipeVersion ?? null,
      ],
    );
  }

  /**
   * Fails live jobs past their deadline by more than `graceMs`, whoever holds them (a worker
   * stuck in a call cannot keep a job running forever). Returns their ids.
   */
  async failOverdue(limit: number, graceMs: number): Promise<string[]> {
    const rows = camelRows<{ id: string }>(
      await this.em.query(
        `WITH due AS (
           SELECT id FROM jobs WHERE status IN ${LIVE} AND deadline_at < now() - $2 * interval '1 millisecond'
            ORDER BY deadline_at LIMIT $1 FOR UPDATE SKIP LOCKED
         ), err AS (
           SELECT due.id, jsonb_build_object('kind', 'timeout', 'message', 'the job ran past its recipe timeout',
                  'stepId', coalesce(j.state->'pending'->>'stepId', ''), 'stepKey', coalesce(j.state->'pending'->>'stepKey', '')) AS e
             FROM due JOIN jobs j USING (id)
         )
         UPDATE jobs SET status = 'failed', error = err.e, revision = revision + 1, updated_at = now(), finished_at = now(),
                lease_owner = NULL, lease_until = NULL, wake_at = NULL,
                state = CASE WHEN state IS NULL THEN NULL ELSE state || jsonb_build_object('status', 'failed', 'pending', NULL, 'error', err.e) END
           FROM err WHERE jobs.id = err.id RETURNING jobs.id`,
        [limit, graceMs],
      ),
    );
    return rows.map((r) => r.id);
  }

  private async one(sql: string, params: unknown[]): Promise<JobRow | undefined> {
    const [row] = camelRows<JobRow>(await this.em.query(sql, params));
    return row;
  }
}

function compareKeys(a: NewEvent, b: NewEvent): number {
  if (a.recipeId !== b.recipeId) return a.recipeId < b.recipeId ? -1 : 1;
  if (a.dedupeKey !== b.dedupeKey) return a.dedupeKey < b.dedupeKey ? -1 : 1;
  return dedupeBucket(a) - dedupeBucket(b);
}

/** 0 for a lasting key; else the window-long slice of time the event arrived in (from 1). */
export function dedupeBucket(event: Pick<NewEvent, 'dedupeWindowMs' | 'receivedAt'>): number {
  return event.dedupeWindowMs ? Math.floor(event.receivedAt.getTime() / event.dedupeWindowMs) + 1 : 0;
}

/** `em.query` answers an UPDATE … RETURNING with `[rows, count]`, a SELECT with the rows. */
function rowsOf<T>(raw: unknown): T[] {
  return (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number' ? raw[0] : raw) as T[];
}
