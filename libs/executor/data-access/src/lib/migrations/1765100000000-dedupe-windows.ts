import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dedupe windows. A body-hash key dedupes only within a short window, so the same body sent
 * again later is a new event: `dedupe_bucket` (the window's bucket of `received_at`, 0 for a
 * lasting key) joins the `(recipe, key)` constraint, which keeps concurrent identical events at
 * one job per bucket. `dedupe` records which key and window applied, for the job view.
 */
export class DedupeWindows1765100000000 implements MigrationInterface {
  name = 'DedupeWindows1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN dedupe_bucket bigint NOT NULL DEFAULT 0, ADD COLUMN dedupe jsonb`);
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_once_per_event`);
    await q.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_once_per_event UNIQUE (recipe_id, dedupe_key, dedupe_bucket)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM jobs a USING jobs b WHERE a.recipe_id = b.recipe_id AND a.dedupe_key = b.dedupe_key AND a.id > b.id`);
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_once_per_event`);
    await q.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_once_per_event UNIQUE (recipe_id, dedupe_key)`);
    await q.query(`ALTER TABLE jobs DROP COLUMN dedupe_bucket, DROP COLUMN dedupe`);
  }
}
