import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `claim_jobs` (1766400000000's, with the priority order). `lockFirst`: its candidates are locked
 * as they are read (four per job to claim); otherwise only the chosen ones are, after the choice.
 */
const claimJobs = (lockFirst: boolean) => `
  CREATE OR REPLACE FUNCTION claim_jobs(p_owner text, p_lease_ms int, p_max int) RETURNS SETOF jobs
  LANGUAGE plpgsql VOLATILE${lockFirst ? '' : ' SET enable_bitmapscan = off'} AS $fn$
  BEGIN
    PERFORM pg_advisory_xact_lock(1786080867); -- 0x6a756e63
    RETURN QUERY
      WITH busy AS ${lockFirst ? '' : 'MATERIALIZED '}(
        SELECT recipe_id, count(*)::int AS n FROM jobs WHERE status = 'running' AND lease_until > now() GROUP BY recipe_id
      ), free AS (
        SELECT id, recipe_id, concurrency, created_at, priority AS rank FROM jobs
         WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= now()) AND (wake_at IS NULL OR wake_at <= now())
         ORDER BY priority DESC, created_at LIMIT p_max * 4${lockFirst ? ' FOR UPDATE SKIP LOCKED' : ''}
      ), ranked AS (
        SELECT f.id, f.created_at, f.rank, f.concurrency, coalesce(b.n, 0) + row_number() OVER (PARTITION BY f.recipe_id ORDER BY f.rank DESC, f.created_at, f.id) AS slot
          FROM free f LEFT JOIN busy b USING (recipe_id)
      ), chosen AS (
        SELECT ranked.id FROM ranked WHERE slot <= ranked.concurrency ORDER BY ranked.rank DESC, ranked.created_at LIMIT p_max
      )${
        lockFirst
          ? ''
          : `, locked AS (
        SELECT j.id FROM jobs j
         -- the finished statuses, not the live ones: the pkey is then the only index it can use
         WHERE j.id = ANY (ARRAY(SELECT chosen.id FROM chosen)) AND j.status NOT IN ('succeeded', 'failed', 'cancelled', 'stopped') AND (j.lease_until IS NULL OR j.lease_until <= now()) AND (j.wake_at IS NULL OR j.wake_at <= now())
         FOR UPDATE OF j SKIP LOCKED
      )`
      }
      UPDATE jobs SET status = 'running', lease_owner = p_owner, lease_until = now() + p_lease_ms * interval '1 millisecond', wake_at = NULL,
             revision = jobs.revision + 1, started_at = coalesce(jobs.started_at, now()), updated_at = now()
        FROM ${lockFirst ? 'chosen' : 'locked'} c WHERE jobs.id = c.id RETURNING jobs.*;
  END
  $fn$`;

/**
 * Fewer index entries per job (#19), and a claim that reads only running jobs for its concurrency
 * count. Every update of a job changes `status`, so none is HOT and each writes an entry into every
 * index of `jobs`. `jobs_recipe_status (recipe_id, status)` held every job (an entry per insert,
 * claim and finish), and `claim_jobs` counted leases by scanning all of it (status is not its
 * leading column): work growing with every job ever kept. `jobs_claimable (created_at)` over live
 * jobs duplicated `jobs_claimable_priority`, which the claim reads. Both give way to one index of
 * live jobs by (status, recipe_id): the lease count reads the running ones only, the debounce check
 * a recipe's live ones, the backlog count the queued ones; a finished job leaves it. Per job, 19
 * index entries become 16.
 *
 * `claim_jobs` locked every candidate it read (`FOR UPDATE SKIP LOCKED` on four per job to claim,
 * so that a recipe's concurrency can be filled past the ones it may not take): each lock is a WAL
 * record and a dirtied page, and an unclaimed candidate was locked again by the next claim. Now it
 * chooses from what it reads and locks only the chosen, skipping one that another transaction holds
 * and re-checking that each is still claimable (a row changed since the read, e.g. cancelled, is
 * checked in its newest version). Claimers are still serialised on the advisory lock, so the lease
 * count stays exact; a chosen row skipped only makes that claim smaller.
 *
 * The function runs without bitmap scans: each job leaves a dead `running` entry in the live index
 * when it finishes (and a dead `queued` one when claimed), and only a plain index scan marks such
 * entries dead as it passes them; a bitmap scan visits their heap pages on every claim, and under
 * load its lease count read thousands of them (measured: 9,200 entries for 200 running jobs). An
 * earlier try of this claim without the new index (busy count over `jobs_recipe_status`, docs/
 * decisions.md) made Postgres slower, likely for the same reason.
 */
export class JobLiveIndex1768000000000 implements MigrationInterface {
  name = 'JobLiveIndex1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX jobs_live_status_recipe ON jobs (status, recipe_id) WHERE status IN ('queued', 'running')`);
    await q.query(`DROP INDEX jobs_recipe_status`);
    await q.query(`DROP INDEX jobs_claimable`);
    await q.query(claimJobs(false));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(claimJobs(true));
    await q.query(`CREATE INDEX jobs_claimable ON jobs (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`CREATE INDEX jobs_recipe_status ON jobs (recipe_id, status)`);
    await q.query(`DROP INDEX jobs_live_status_recipe`);
  }
}
