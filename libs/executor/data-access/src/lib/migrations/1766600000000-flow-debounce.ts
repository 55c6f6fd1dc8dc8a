import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Debounce (`settings.debounce { period, key, maxWait }`): a job records its key when first
 * claimed (`debounce_key`); a job with a newer job of its key is cancelled as replaced, and the
 * newest starts once its key was quiet for `period` or its burst (the key's jobs since the last one
 * that started) is `maxWait` old (`debounce_passed_at`).
 */
export class FlowDebounce1766600000000 implements MigrationInterface {
  name = 'FlowDebounce1766600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN debounce_key text, ADD COLUMN debounce_passed_at timestamptz`);
    await q.query(`CREATE INDEX jobs_debounce ON jobs (recipe_id, debounce_key, received_at) WHERE debounce_key IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_debounce`);
    await q.query(`ALTER TABLE jobs DROP COLUMN debounce_passed_at, DROP COLUMN debounce_key`);
  }
}
