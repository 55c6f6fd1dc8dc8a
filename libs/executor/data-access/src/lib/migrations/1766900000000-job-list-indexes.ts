import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The jobs list (`GET /v1/jobs`, newest first) filtered by recipe walked `jobs_workspace
 * (workspace_id, id DESC)` and threw away every other recipe's rows: for a recipe with few jobs in a
 * busy workspace that read far back. This index hands it the recipe's rows in page order; a job's
 * recipe never changes, so it costs one entry per insert. A status index was measured and left out:
 * with 100k jobs it gained nothing at p95 (every status is a large share of the jobs), and status
 * changes several times in a job's life, so each change would rewrite it.
 */
export class JobListIndexes1766900000000 implements MigrationInterface {
  name = 'JobListIndexes1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX jobs_workspace_recipe_list ON jobs (workspace_id, recipe_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_workspace_recipe_list`);
  }
}
