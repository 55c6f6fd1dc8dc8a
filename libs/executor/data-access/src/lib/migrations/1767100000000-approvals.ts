import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Approval steps waiting for (or given) a person's decision. One row per idempotency key (job, step
 * key, attempt group): the driver's create is idempotent, so a re-drive after a crash finds the same approval
 * and its links. `decided_at` is set once (`UPDATE … WHERE decided_at IS NULL`): the first decision
 * wins. The key that signs the links is generated once and kept in `approval_link_keys`.
 */
export class Approvals1767100000000 implements MigrationInterface {
  name = 'Approvals1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE approvals (
      id text PRIMARY KEY,
      workspace_id text NOT NULL,
      job_id text NOT NULL,
      recipe_id text NOT NULL,
      step_id text NOT NULL,
      step_key text NOT NULL,
      idempotency_key text NOT NULL,
      title text NOT NULL,
      description text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      decision text CONSTRAINT approvals_decision CHECK (decision IN ('approved', 'rejected')),
      comment text,
      decided_by jsonb,
      decided_at timestamptz,
      CONSTRAINT approvals_once_per_step UNIQUE (idempotency_key)
    )`);
    await q.query(`CREATE INDEX approvals_page ON approvals (workspace_id, id)`);
    await q.query(`CREATE TABLE approval_link_keys (id int PRIMARY KEY, secret bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE approval_link_keys`);
    await q.query(`DROP TABLE approvals`);
  }
}
