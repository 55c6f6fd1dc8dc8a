import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trigger events that could not become jobs (invalid, or failed on every delivery), kept with
 * their reason for listing and redrive. One row per stream message (`subject`, `stream_sequence`),
 * so a message handed over twice (a crash before its drop) is kept once. `redriven_at` is set in
 * the transaction that makes the job: a letter is redriven at most once.
 */
export class DeadLetters1765740000000 implements MigrationInterface {
  name = 'DeadLetters1765740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE dead_letters (
      id text PRIMARY KEY,
      workspace_id text NOT NULL,
      recipe_id text,
      subject text NOT NULL,
      stream_sequence bigint NOT NULL,
      reason text NOT NULL CONSTRAINT dead_letters_reason CHECK (reason IN ('invalid', 'max_deliveries')),
      detail text NOT NULL,
      event jsonb,
      delivery_count int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      redriven_at timestamptz,
      redriven_by jsonb,
      job_id text,
      CONSTRAINT dead_letters_once_per_message UNIQUE (subject, stream_sequence)
    )`);
    // the list pages by id (a ULID: creation order) within a workspace, optionally one recipe's
    await q.query(`CREATE INDEX dead_letters_page ON dead_letters (workspace_id, id)`);
    await q.query(`CREATE INDEX dead_letters_recipe_page ON dead_letters (workspace_id, recipe_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dead_letters`);
  }
}
