import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** The longest key stored as is; a longer one is stored as its hash so one row stays small. */
const MAX_STORED_KEY = 200;

export interface Admission {
  jobId: string;
  recipeId: string;
  /** The lease holder that claimed the job: only it may admit or defer it. */
  owner: string;
  /** At most `limit` jobs of this key running at once. */
  concurrency?: { key: string; limit: number };
  /** A burst of this key's jobs becomes its newest, after `periodMs` quiet or at most `maxWaitMs` (checked once per job). */
  debounce?: { key: string; periodMs: number; maxWaitMs?: number };
  /** At most `limit` jobs of this key started per `periodMs` (checked once per job, at its first start). */
  throttle?: { key: string; limit: number; periodMs: number };
}

type Tx = EntityManager;

/**
 * Keyed flow control, counted in Postgres so every executor replica sees the same counts. A claimed
 * job of a keyed recipe asks here before it is driven; each count and its grant happen under a
 * transaction-scoped advisory lock per (recipe, key), so replicas take turns and never grant past a
 * limit. Concurrency: a slot is held by a job running under a live lease with `flow_admitted` (a
 * finished, parked or abandoned job holds none). Throttle: a sliding window of granted starts.
 */
export class FlowControlRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Admits the job, or defers it: its lease is handed back and it is claimable again after
   * `retryMs`, or when the throttle's window next has room (delayed, never dropped). Returns
   * whether it was admitted; false too when the job's lease is no longer `owner`'s.
   */
  async admit(a: Admission, retryMs: number): Promise<boolean> {
    return this.em.transaction(async (tx) => {
      // debounce, then concurrency, then throttle locks, always: two admissions never wait on each other in a cycle
      if (a.debounce) {
        const verdict = await this.debounced(tx, a, a.debounce, retryMs);
        if (verdict !== 'start') return verdict === 'replaced' ? false : this.defer(tx, a, null, verdict.waitMs);
      }
      const slotKey = a.concurrency && storedKey(a.concurrency.key);
      if (a.concurrency && slotKey !== undefined) {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('c:' || $1), hashtext($2))`, [a.recipeId, slotKey]);
        if ((await this.slotsHeld(tx, a.recipeId, slotKey, a.jobId)) >= a.concurrency.limit) return this.defer(tx, a, slotKey ?? null, retryMs);
      }
      let throttled = false;
      if (a.throttle && !(await this.passedThrottle(tx, a.jobId))) {
        const key = storedKey(a.throttle.key);
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('t:' || $1), hashtext($2))`, [a.recipeId, key]);
        const waitMs = await this.throttleWait(tx, a.recipeId, key, a.throttle.limit, a.throttle.periodMs);
        if (waitMs > 0) return this.defer(tx, a, slotKey ?? null, Math.max(waitMs, 1));
        throttled = true;
      }
      const rows = rowsOf(
        (await tx.query(
          `UPDATE jobs SET flow_key = coalesce($2, flow_key), flow_admitted = $2::text IS NOT NULL,
                  throttle_passed_at = CASE WHEN $4 THEN clock_timestamp() ELSE throttle_passed_at END
            WHERE id = $1 AND lease_owner = $3 AND status = 'running' RETURNING id`,
          [a.jobId, slotKey ?? null, a.owner, throttled],
        )) as unknown[],
      );
      if (rows.length === 0) return false;
      if (throttled && a.throttle) {
        // the window counts from the very time the job shows as started (one timestamp for both)
        await tx.query(`INSERT INTO flow_starts (recipe_id, flow_key, started_at, job_id) SELECT $1, $2, throttle_passed_at, id FROM jobs WHERE id = $3`, [
          a.recipeId,
          storedKey(a.throttle.key),
          a.jobId,
        ]);
      }
      return true;
    });
  }

  /**
   * The debounce of a job not yet started: `replaced` (cancelled: a newer job of its key exists),
   * a wait (the key is not quiet yet, or newer jobs of the recipe are not keyed yet), or `start`.
   */
  private async debounced(tx: Tx, a: Admission, d: NonNullable<Admission['debounce']>, retryMs: number): Promise<'start' | 'replaced' | { waitMs: number }> {
    const key = storedKey(d.key);
    const [self] = (await tx.query(`SELECT received_at, debounce_passed_at IS NOT NULL AS passed FROM jobs WHERE id = $1`, [a.jobId])) as {
      received_at: Date;
      passed: boolean;
    }[];
    if (!self || self.passed) return 'start';
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('d:' || $1), hashtext($2))`, [a.recipeId, key]);
    await tx.query(`UPDATE jobs SET debounce_key = $2 WHERE id = $1`, [a.jobId, key]);
    const newer = (await tx.query(`SELECT id FROM jobs WHERE recipe_id = $1 AND debounce_key = $2 AND (received_at, id) > ($3, $4) ORDER BY received_at DESC LIMIT 1`, [
      a.recipeId,
      key,
      self.received_at,
      a.jobId,
    ])) as { id: string }[];
    if (newer.length > 0) {
      await tx.query(
        `UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_owner = NULL, lease_until = NULL, revision = revision + 1,
                error = jsonb_build_object('kind', 'debounced', 'message', 'replaced by a later event of the same debounce key', 'details', jsonb_build_object('jobId', $3::text))
          WHERE id = $1 AND lease_owner = $2 AND status IN ('queued', 'running')`,
        [a.jobId, a.owner, newer[0].id],
      );
      return 'replaced';
    }
    // a later job of the recipe not keyed yet may be of this key: it is keyed at its claim, so ask again after it
    const unkeyed = (await tx.query(
      `SELECT 1 FROM jobs WHERE recipe_id = $1 AND debounce_key IS NULL AND status IN ('queued', 'running') AND step_count = 0 AND (received_at, id) > ($2, $3) LIMIT 1`,
      [a.recipeId, self.received_at, a.jobId],
    )) as unknown[];
    if (unkeyed.length > 0) return { waitMs: retryMs };
    // the burst: the key's jobs since the last one that started
    const [burst] = (await tx.query(
      `SELECT ceil(extract(epoch FROM ($3::timestamptz + $4 * interval '1 millisecond' - clock_timestamp())) * 1000)::int AS quiet_in,
              ceil(extract(epoch FROM (min(received_at) + $5 * interval '1 millisecond' - clock_timestamp())) * 1000)::int AS max_in
         FROM jobs WHERE recipe_id = $1 AND debounce_key = $2
          AND received_at > coalesce((SELECT max(received_at) FROM jobs WHERE recipe_id = $1 AND debounce_key = $2 AND debounce_passed_at IS NOT NULL), '-infinity')`,
      [a.recipeId, key, self.received_at, d.periodMs, d.maxWaitMs ?? null],
    )) as { quiet_in: number; max_in: number | null }[];
    const waitMs = Math.min(burst.quiet_in, burst.max_in ?? Number.POSITIVE_INFINITY);
    if (waitMs > 0) return { waitMs };
    await tx.query(`UPDATE jobs SET debounce_passed_at = clock_timestamp() WHERE id = $1 AND lease_owner = $2`, [a.jobId, a.owner]);
    return 'start';
  }

  /** How many concurrency slots of a key are held now (for tests and the job view). */
  async held(recipeId: string, key: string): Promise<number> {
    return this.slotsHeld(this.em, recipeId, storedKey(key));
  }

  private async slotsHeld(tx: Tx, recipeId: string, key: string, except = ''): Promise<number> {
    const [row] = (await tx.query(
      `SELECT count(*)::int AS n FROM jobs
        WHERE recipe_id = $1 AND flow_key = $2 AND flow_admitted AND status = 'running' AND lease_until > now() AND id <> $3`,
      [recipeId, key, except],
    )) as { n: number }[];
    return row.n;
  }

  private async passedThrottle(tx: Tx, jobId: string): Promise<boolean> {
    const [row] = (await tx.query(`SELECT throttle_passed_at IS NOT NULL AS passed FROM jobs WHERE id = $1`, [jobId])) as { passed: boolean }[];
    return row?.passed ?? false;
  }

  /** 0 when the key may start a job now; else how long until its window has room. Prunes the key's expired starts. */
  private async throttleWait(tx: Tx, recipeId: string, key: string, limit: number, periodMs: number): Promise<number> {
    await tx.query(`DELETE FROM flow_starts WHERE recipe_id = $1 AND flow_key = $2 AND started_at <= clock_timestamp() - $3 * interval '1 millisecond'`, [recipeId, key, periodMs]);
    // the start that must leave the window before another fits: the limit-th newest
    const [row] = (await tx.query(
      `SELECT ceil(extract(epoch FROM (started_at + $4 * interval '1 millisecond' - clock_timestamp())) * 1000)::int AS wait_ms
         FROM flow_starts WHERE recipe_id = $1 AND flow_key = $2 ORDER BY started_at DESC OFFSET $3 - 1 LIMIT 1`,
      [recipeId, key, limit, periodMs],
    )) as { wait_ms: number }[];
    return row ? Math.max(0, row.wait_ms) : 0;
  }

  /** Hands the job's lease back; it is claimable again after `delayMs` (a job that ran no step goes back to queued, as if never claimed). */
  private async defer(tx: Tx, a: Admission, slotKey: string | null, delayMs: number): Promise<false> {
    await tx.query(
      `UPDATE jobs SET flow_key = coalesce($2, flow_key), flow_admitted = false, lease_owner = NULL, lease_until = NULL, revision = revision + 1,
              wake_at = now() + $4 * interval '1 millisecond',
              status = CASE WHEN step_count = 0 THEN 'queued' ELSE status END,
              started_at = CASE WHEN step_count = 0 THEN NULL ELSE started_at END
        WHERE id = $1 AND lease_owner = $3 AND status = 'running'`,
      [a.jobId, slotKey, a.owner, delayMs],
    );
    return false;
  }
}

// Postgres text holds no NUL character: such a key is stored as its hash, as a long one is
function storedKey(key: string): string {
  return key.length > MAX_STORED_KEY || key.includes('\u0000') ? `sha256:${createHash('sha256').update(key).digest('hex')}` : key;
}

// an UPDATE … RETURNING through TypeORM answers [rows, count]
function rowsOf(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}
