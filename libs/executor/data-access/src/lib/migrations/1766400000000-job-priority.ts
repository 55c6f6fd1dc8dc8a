import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `claim_jobs` as 1764200000000 made it, with the order of its candidates as a parameter (for up and down). */
const claimJobs = (order: string, index: string) => `
  CREATE OR REPLACE FUNCTION claim_jobs(p_owner text, p_lease_ms int, p_max int) RETURNS SETOF jobs
  LANGUAGE plpgsql VOLATILE AS $fn$
  BEGIN
    PERFORM pg_advisory_xact_lock(1786080867); -- 0x6a756e63
    RETURN QUERY
      WITH busy AS (
        SELECT recipe_id, count(*)::int AS n FROM jobs WHERE status = 'running' AND lease_until > now() GROUP BY recipe_id
      ), free AS (
        SELECT id, recipe_id, concurrency, created_at, ${index} AS rank FROM jobs
         WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= now()) AND (wake_at IS NULL OR wake_at <= now())
         ORDER BY ${order} LIMIT p_max * 4 FOR UPDATE SKIP LOCKED
      ), ranked AS (
        SELECT f.id, f.created_at, f.rank, f.concurrency, coalesce(b.n, 0) + row_number() OVER (PARTITION BY f.recipe_id ORDER BY f.rank DESC, f.created_at, f.id) AS slot
          FROM free f LEFT JOIN busy b USING (recipe_id)
      ), chosen AS (
        SELECT ranked.id FROM ranked WHERE slot <= ranked.concurrency ORDER BY ranked.rank DESC, ranked.created_at LIMIT p_max
      )
      UPDATE jobs SET status = 'running', lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond', wake_at = NULL,
             revision = jobs.revision + 1, started_at = coalesce(jobs.started_at, now()), updated_at = now()
        FROM chosen WHERE jobs.id = chosen.id RETURNING jobs.*;
  END
  $fn$`;

/**
 * `settings.priority` (1–5, default 3): each job takes its recipe version's priority when it is
 * inserted (a trigger, so every way a job is made — events, runs, reruns, children, alerts — gets
 * it without each insert knowing), and `claim_jobs` claims the highest priority first, oldest first
 * within one. The per-recipe concurrency count is unchanged.
 */
export class JobPriority1766400000000 implements MigrationInterface {
  name = 'JobPriority1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 3 CONSTRAINT jobs_priority_range CHECK (priority BETWEEN 1 AND 5)`);
    await q.query(`
      CREATE FUNCTION jobs_priority_of_recipe() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        SELECT CASE WHEN jsonb_typeof(d.definition #> '{settings,priority}') = 'number' THEN least(5, greatest(1, (d.definition #>> '{settings,priority}')::int)) ELSE 3 END
          INTO NEW.priority FROM recipe_versions d WHERE d.recipe_id = NEW.recipe_id AND d.version = NEW.recipe_version;
        NEW.priority := coalesce(NEW.priority, 3);
        RETURN NEW;
      END
      $fn$`);
    await q.query(`CREATE TRIGGER jobs_priority BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_priority_of_recipe()`);
    await q.query(`CREATE INDEX jobs_claimable_priority ON jobs (priority DESC, created_at) WHERE status IN ('queued', 'running')`);
    await q.query(claimJobs('priority DESC, created_at', 'priority'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(claimJobs('created_at', '0'));
    await q.query(`DROP INDEX jobs_claimable_priority`);
    await q.query(`DROP TRIGGER jobs_priority ON jobs`);
    await q.query(`DROP FUNCTION jobs_priority_of_recipe()`);
    await q.query(`ALTER TABLE jobs DROP COLUMN priority`);
  }
}
