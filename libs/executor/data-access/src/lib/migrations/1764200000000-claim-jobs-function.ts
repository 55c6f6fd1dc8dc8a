import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `claim_jobs(owner, lease_ms, max)`: the dispatcher's claim as one statement instead of a
 * transaction of four (BEGIN, advisory lock, claim, COMMIT). The function is VOLATILE plpgsql, so
 * under READ COMMITTED its claim query takes a fresh snapshot after the lock is granted and counts
 * every lease committed by the claimer before it: the per-recipe count stays exact. The lock is
 * transaction-scoped and the caller's statement is its own transaction, so the lock is released
 * exactly when the leases are committed. The key is the one the earlier transaction took, so old
 * and new replicas still serialise on the same lock during a rolling upgrade.
 */
export class ClaimJobsFunction1764200000000 implements MigrationInterface {
  name = 'ClaimJobsFunction1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION claim_jobs(p_owner text, p_lease_ms int, p_max int) RETURNS SETOF jobs
      LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(1786080867); -- 0x6a756e63
        RETURN QUERY
          WITH busy AS (
            SELECT recipe_id, count(*)::int AS n FROM jobs WHERE status = 'running' AND lease_until > now() GROUP BY recipe_id
          ), free AS (
            SELECT id, recipe_id, concurrency, created_at FROM jobs
             WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= now()) AND (wake_at IS NULL OR wake_at <= now())
             ORDER BY created_at LIMIT p_max * 4 FOR UPDATE SKIP LOCKED
          ), ranked AS (
            SELECT f.id, f.created_at, f.concurrency, coalesce(b.n, 0) + row_number() OVER (PARTITION BY f.recipe_id ORDER BY f.created_at, f.id) AS slot
              FROM free f LEFT JOIN busy b USING (recipe_id)
          ), chosen AS (
            SELECT ranked.id FROM ranked WHERE slot <= ranked.concurrency ORDER BY ranked.created_at LIMIT p_max
          )
          UPDATE jobs SET status = 'running', lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond', wake_at = NULL,
                 revision = jobs.revision + 1, started_at = coalesce(jobs.started_at, now()), updated_at = now()
            FROM chosen WHERE jobs.id = chosen.id RETURNING jobs.*;
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION claim_jobs(text, int, int)`);
  }
}
