import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The jobs list (`GET /v1/jobs`, newest first) filtered by recipe or status walked
 * `jobs_workspace (workspace_id, id DESC)` and threw away every row of other recipes or states:
 * with 100k jobs a filter matching few rows read far back (50-120 ms). These indexes hand it the
 * matching rows already in page order.
 */
export class JobListIndexes1766900000000 implements MigrationInterface {
  name = 'JobListIndexes1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX jobs_workspace_recipe_list ON jobs (workspace_id, recipe_id, id DESC)`);
    await q.query(`CREATE INDEX jobs_workspace_status_list ON jobs (workspace_id, status, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_workspace_status_list`);
    await q.query(`DROP INDEX jobs_workspace_recipe_list`);
  }
}
