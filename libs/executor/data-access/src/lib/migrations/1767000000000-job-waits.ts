import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * waitFor (and approval) waits: `wait_events` buffers the events delivered to a workspace
 * (`POST /v1/events`), unique per workspace by the sender's `id`, kept until `expires_at` and at
 * most the newest `JobWaits` bound per (workspace, name, key); `job_waits` holds one row per wait
 * of a job (job, step key, and its timeout: a rerun that enters the step again waits anew, while a
 * re-drive of the same wait finds its row), resolved by copying the event into it (`event_*`, so the event may
 * leave the buffer before the job resumes) or by its timeout (`event_seq` 0). A new wait takes the
 * earliest buffered event of its name and key received after the job was created and after the
 * event its job's previous wait on that name and key took (`after_seq`). Rows go with their job.
 */
export class JobWaits1767000000000 implements MigrationInterface {
  name = 'JobWaits1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wait_events (
      workspace_id text NOT NULL,
      id text NOT NULL,
      seq bigserial NOT NULL,
      name text NOT NULL,
      key text NOT NULL,
      data jsonb,
      received_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`);
    await q.query(`CREATE INDEX wait_events_by_key ON wait_events (workspace_id, name, key, seq)`);
    await q.query(`CREATE INDEX wait_events_expiry ON wait_events (expires_at)`);
    await q.query(`CREATE TABLE job_waits (
      job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      step_key text NOT NULL,
      workspace_id text NOT NULL,
      name text NOT NULL,
      key text NOT NULL,
      after_seq bigint NOT NULL,
      not_before timestamptz NOT NULL,
      until timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      event_seq bigint,
      event_id text,
      event_data jsonb,
      event_received_at timestamptz,
      resolved_at timestamptz,
      PRIMARY KEY (job_id, step_key, until)
    )`);
    await q.query(`CREATE INDEX job_waits_open ON job_waits (workspace_id, name, key) WHERE event_seq IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_waits`);
    await q.query(`DROP TABLE wait_events`);
  }
}
