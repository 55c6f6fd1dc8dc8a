import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failure alerts. `alert_state` is null while a failed job's alert is still to be decided (the
 * alert sweep picks those), then `sent`, `none` (no handler), or `handler` (a handler's own
 * failure, which never alerts). Jobs that failed before this migration are marked `before`, so
 * upgrading does not alert every old failure at once. `workspace_settings` holds the default handler.
 */
export class FailureAlerts1765300000000 implements MigrationInterface {
  name = 'FailureAlerts1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN alert jsonb, ADD COLUMN alert_state text DEFAULT 'before'`);
    await q.query(`ALTER TABLE jobs ALTER COLUMN alert_state DROP DEFAULT`);
    await q.query(`CREATE INDEX jobs_alert_due ON jobs (finished_at) WHERE status = 'failed' AND alert_state IS NULL`);
    await q.query(`CREATE TABLE workspace_settings (workspace_id text PRIMARY KEY, on_failure jsonb, updated_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workspace_settings`);
    await q.query(`DROP INDEX jobs_alert_due`);
    await q.query(`ALTER TABLE jobs DROP COLUMN alert, DROP COLUMN alert_state`);
  }
}
