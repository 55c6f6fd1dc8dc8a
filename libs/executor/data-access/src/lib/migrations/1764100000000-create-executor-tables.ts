import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateExecutorTables1764100000000 implements MigrationInterface {
  name = 'CreateExecutorTables1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recipes (
        id             text PRIMARY KEY,
        workspace_id   text NOT NULL,
        name           text NOT NULL,
        version        int NOT NULL CHECK (version >= 1),
        state          text NOT NULL CHECK (state IN ('stopped', 'running')),
        active_version int,
        hook_id        text UNIQUE,
        hook_external_id text,
        deleted_at     timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recipes_running_has_version CHECK (state <> 'running' OR active_version IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX recipes_workspace ON recipes (workspace_id, id DESC) WHERE deleted_at IS NULL`);

    // versions are immutable: rows are only ever inserted
    await q.query(`
      CREATE TABLE recipe_versions (
        recipe_id  text NOT NULL REFERENCES recipes (id),
        version    int NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recipe_id, version)
      )`);

    await q.query(`
      CREATE TABLE jobs (
        id             text PRIMARY KEY,
        workspace_id   text NOT NULL,
        recipe_id      text NOT NULL,
        recipe_version int NOT NULL,
        dedupe_key     text NOT NULL,
        trigger_kind   text NOT NULL,
        status         text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'stopped')),
        concurrency    int NOT NULL CHECK (concurrency >= 1),
        trigger        jsonb,
        state          jsonb,
        reply          jsonb,
        error          jsonb,
        revision       int NOT NULL DEFAULT 0,
        step_count     int NOT NULL DEFAULT 0,
        lease_owner    text,
        lease_until    timestamptz,
        wake_at        timestamptz,
        deadline_at    timestamptz,
        received_at    timestamptz NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        started_at     timestamptz,
        finished_at    timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT jobs_once_per_event UNIQUE (recipe_id, dedupe_key)
      )`);
    // the dispatcher's claim: live jobs nobody holds, in arrival order
    await q.query(`CREATE INDEX jobs_claimable ON jobs (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`CREATE INDEX jobs_workspace ON jobs (workspace_id, id DESC)`);
    await q.query(`CREATE INDEX jobs_recipe_status ON jobs (recipe_id, status)`);

    await q.query(`
      CREATE TABLE job_steps (
        job_id      text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq         int NOT NULL,
        step_id     text NOT NULL,
        step_key    text NOT NULL,
        kind        text NOT NULL,
        status      text NOT NULL CHECK (status IN ('succeeded', 'failed', 'retrying', 'deferred')),
        attempt     int,
        attempt_group int NOT NULL DEFAULT 0,
        input       jsonb,
        output      jsonb,
        error       jsonb,
        started_at  timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        PRIMARY KEY (job_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_steps`);
    await q.query(`DROP TABLE jobs`);
    await q.query(`DROP TABLE recipe_versions`);
    await q.query(`DROP TABLE recipes`);
  }
}
