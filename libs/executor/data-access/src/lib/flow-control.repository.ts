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
      // concurrency locks before throttle locks, always: two admissions never wait on each other in a cycle
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
        await tx.query(`INSERT INTO flow_starts (recipe_id, flow_key, job_id) VALUES ($1, $2, $3)`, [a.recipeId, storedKey(a.throttle.key), a.jobId]);
      }
      return true;
    });
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
