import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSchedulerTables1764000000000 implements MigrationInterface {
  name = 'CreateSchedulerTables1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id              text PRIMARY KEY,
        workspace_id    text NOT NULL,
        recipe_id       text NOT NULL,
        kind            text NOT NULL CHECK (kind IN ('tick', 'poll')),
        cron_expression text,
        timezone        text,
        interval_ms     bigint CHECK (interval_ms >= 1000),
        interval_anchor timestamptz,
        misfire_policy  text NOT NULL CHECK (misfire_policy IN ('skip', 'catch_up')),
        max_catch_up    int CHECK (max_catch_up BETWEEN 1 AND 100),
        enabled         boolean NOT NULL DEFAULT true,
        next_fire_at    timestamptz,
        last_fired_at   timestamptz,
        connector_key   text,
        trigger_key     text,
        connection_id   text,
        trigger_input   jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedules_recipe_unique UNIQUE (workspace_id, recipe_id),
        CONSTRAINT schedules_one_spec CHECK ((cron_expression IS NULL) <> (interval_ms IS NULL)),
        CONSTRAINT schedules_cron_has_zone CHECK (cron_expression IS NULL OR timezone IS NOT NULL),
        CONSTRAINT schedules_interval_has_anchor CHECK (interval_ms IS NULL OR interval_anchor IS NOT NULL),
        CONSTRAINT schedules_catch_up_bound CHECK (misfire_policy <> 'catch_up' OR max_catch_up IS NOT NULL),
        CONSTRAINT schedules_poll_target CHECK (kind <> 'poll' OR (connector_key IS NOT NULL AND trigger_key IS NOT NULL))
      )`);
    // the firing loop's claim query: due, enabled rows in due order
    await q.query(`CREATE INDEX schedules_due ON schedules (kind, next_fire_at) WHERE enabled AND next_fire_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE timers (
        workspace_id text NOT NULL,
        id           text NOT NULL,
        due_at       timestamptz NOT NULL,
        target       text NOT NULL,
        payload      jsonb,
        fired_at     timestamptz,
        fired_by     text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, id)
      )`);
    await q.query(`CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL`);

    await q.query(`
      CREATE TABLE poll_cursors (
        schedule_id    text PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
        workspace_id   text NOT NULL,
        cursor         jsonb,
        failures       int NOT NULL DEFAULT 0 CHECK (failures >= 0),
        backoff_until  timestamptz,
        last_error     text,
        last_polled_at timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE poll_cursors`);
    await q.query(`DROP TABLE timers`);
    await q.query(`DROP TABLE schedules`);
  }
}
