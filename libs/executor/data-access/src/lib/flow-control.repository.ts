import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** The longest key stored as is; a longer one is stored as its hash so one row stays small. */
const MAX_STORED_KEY = 200;

export interface Admission {
  jobId: string;
  recipeId: string;
  /** The lease holder that claimed the job: only it may admit or defer it. */
  owner: string;
  key: string;
  limit: number;
}

/**
 * Per-key concurrency slots, counted in Postgres so every executor replica sees the same count.
 * A claimed job of a keyed recipe asks for a slot before it is driven; the count and the grant
 * happen under a transaction-scoped advisory lock on (recipe, key), so two replicas admitting jobs
 * of one key take turns and never grant more than `limit`. A slot is held by a job that is running
 * under a live lease with `flow_admitted`; a finished, parked or abandoned job holds none.
 */
export class FlowControlRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Admits the job into a slot of its key, or defers it: its lease is handed back and it is
   * claimable again after `retryMs` (delayed, never dropped). Returns whether it was admitted;
   * false too when the job's lease is no longer `owner`'s.
   */
  async admit(a: Admission, retryMs: number): Promise<boolean> {
    const key = storedKey(a.key);
    return this.em.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [a.recipeId, key]);
      const [held] = (await tx.query(
        `SELECT count(*)::int AS n FROM jobs
          WHERE recipe_id = $1 AND flow_key = $2 AND flow_admitted AND status = 'running' AND lease_until > now() AND id <> $3`,
        [a.recipeId, key, a.jobId],
      )) as { n: number }[];
      if (held.n < a.limit) {
        const rows = (await tx.query(`UPDATE jobs SET flow_key = $2, flow_admitted = true WHERE id = $1 AND lease_owner = $3 AND status = 'running' RETURNING id`, [
          a.jobId,
          key,
          a.owner,
        ])) as unknown[];
        return rowsOf(rows).length > 0;
      }
      // a job that has not run a step yet goes back to queued, as if never claimed
      await tx.query(
        `UPDATE jobs SET flow_key = $2, flow_admitted = false, lease_owner = NULL, lease_until = NULL, revision = revision + 1,
                wake_at = now() + $4 * interval '1 millisecond',
                status = CASE WHEN step_count = 0 THEN 'queued' ELSE status END,
                started_at = CASE WHEN step_count = 0 THEN NULL ELSE started_at END
          WHERE id = $1 AND lease_owner = $3 AND status = 'running'`,
        [a.jobId, key, a.owner, retryMs],
      );
      return false;
    });
  }

  /** How many slots of a key are held now (for tests and the job view). */
  async held(recipeId: string, key: string): Promise<number> {
    const [row] = (await this.em.query(
      `SELECT count(*)::int AS n FROM jobs WHERE recipe_id = $1 AND flow_key = $2 AND flow_admitted AND status = 'running' AND lease_until > now()`,
      [recipeId, storedKey(key)],
    )) as { n: number }[];
    return row.n;
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
