import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The effect ledger: one row per attempt of an action step (`idempotency_key` names the step's
 * attempt group), written before the call is sent (`intent_at`, by `drive`, one pass of one worker
 * over the job) and settled after it (`outcome`). A row whose outcome is unknown when another drive
 * finds the step still pending means a crash fell between the send and the checkpoint. Rows go
 * with their job. Step rows gain the status `uncertain`.
 */
export class EffectLedger1766000000000 implements MigrationInterface {
  name = 'EffectLedger1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE effect_ledger (
      job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      idempotency_key text NOT NULL,
      attempt int NOT NULL,
      step_key text NOT NULL,
      action text NOT NULL,
      drive text NOT NULL,
      sends int NOT NULL DEFAULT 1,
      intent_at timestamptz NOT NULL DEFAULT now(),
      outcome text CONSTRAINT effect_ledger_outcome CHECK (outcome IN ('ok', 'failed', 'not_sent', 'uncertain')),
      outcome_at timestamptz,
      PRIMARY KEY (job_id, idempotency_key, attempt)
    )`);
    await q.query(`ALTER TABLE job_steps DROP CONSTRAINT job_steps_status_check`);
    await q.query(`ALTER TABLE job_steps ADD CONSTRAINT job_steps_status_check CHECK (status IN ('succeeded', 'failed', 'retrying', 'deferred', 'uncertain'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE job_steps SET status = 'failed' WHERE status = 'uncertain'`);
    await q.query(`ALTER TABLE job_steps DROP CONSTRAINT job_steps_status_check`);
    await q.query(`ALTER TABLE job_steps ADD CONSTRAINT job_steps_status_check CHECK (status IN ('succeeded', 'failed', 'retrying', 'deferred'))`);
    await q.query(`DROP TABLE effect_ledger`);
  }
}
