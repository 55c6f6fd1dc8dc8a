import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Throttle (`settings.throttle { limit, period, key }`): each start a throttled job is granted is a
 * row of `flow_starts`; a job may start when fewer than `limit` rows of its (recipe, key) fall
 * within the last `period` (a sliding window, exact across replicas since the count and the insert
 * happen under one advisory lock). `jobs.throttle_passed_at` marks a job that has had its start, so
 * a job woken from a wait is not throttled again. Rows older than their window are pruned as keys are used.
 */
export class FlowThrottle1766500000000 implements MigrationInterface {
  name = 'FlowThrottle1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE flow_starts (
      recipe_id text NOT NULL,
      flow_key text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      job_id text NOT NULL
    )`);
    await q.query(`CREATE INDEX flow_starts_window ON flow_starts (recipe_id, flow_key, started_at)`);
    await q.query(`ALTER TABLE jobs ADD COLUMN throttle_passed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN throttle_passed_at`);
    await q.query(`DROP TABLE flow_starts`);
  }
}
