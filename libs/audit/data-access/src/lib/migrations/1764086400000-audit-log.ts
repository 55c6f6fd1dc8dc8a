import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: `audit_event` partitioned by month of `recorded_at` (partitions are created
 * ahead by the service, see AuditPartitions), with a trigger refusing UPDATE and DELETE; a
 * global index of event ids (a partitioned table cannot hold a unique key without the
 * partition column); a retention log with the chain anchors retention leaves behind.
 */
export class AuditLog1764086400000 implements MigrationInterface {
  name = 'AuditLog1764086400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);

    await q.query(`
      CREATE TABLE audit_event (
        workspace_id text        NOT NULL,
        seq          bigint      NOT NULL CHECK (seq > 0),
        id           text        NOT NULL,
        at           timestamptz NOT NULL,
        recorded_at  timestamptz NOT NULL,
        actor_type   text        NOT NULL,
        actor_id     text        NOT NULL,
        action       text        NOT NULL,
        target_type  text        NOT NULL,
        target_id    text        NOT NULL,
        ip           text,
        changes      jsonb,
        prev_hash    char(64)    NOT NULL,
        hash         char(64)    NOT NULL,
        PRIMARY KEY (workspace_id, seq, recorded_at)
      ) PARTITION BY RANGE (recorded_at)`);
    // the chain's tail: the newest partition is scanned first and the first row found is the tail
    await q.query(`CREATE INDEX audit_event_tail ON audit_event (workspace_id, recorded_at, seq)`);
    await q.query(`CREATE INDEX audit_event_at ON audit_event (workspace_id, at)`);
    await q.query(`CREATE INDEX audit_event_actor ON audit_event (workspace_id, actor_id, seq)`);
    await q.query(`CREATE INDEX audit_event_action ON audit_event (workspace_id, action, seq)`);
    await q.query(`CREATE INDEX audit_event_target ON audit_event (workspace_id, target_type, target_id, seq)`);
    // row triggers on a partitioned table are cloned onto every partition, present and future
    await q.query(`CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query(`CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);

    await q.query(`
      CREATE TABLE audit_event_key (
        event_id     text        PRIMARY KEY,
        workspace_id text        NOT NULL,
        seq          bigint      NOT NULL,
        recorded_at  timestamptz NOT NULL,
        UNIQUE (workspace_id, seq)
      )`);
    await q.query(`CREATE INDEX audit_event_key_recorded_at ON audit_event_key (recorded_at)`);
    // keys of dropped partitions are pruned by retention; nothing else may touch them
    await q.query(`CREATE TRIGGER audit_event_key_no_update BEFORE UPDATE ON audit_event_key FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);

    await q.query(`
      CREATE TABLE audit_retention_log (
        id               bigserial   PRIMARY KEY,
        partition_name   text        NOT NULL,
        range_from       timestamptz NOT NULL,
        range_to         timestamptz NOT NULL,
        rows_dropped     bigint      NOT NULL,
        workspaces       integer     NOT NULL,
        retention_months integer     NOT NULL,
        dropped_at       timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE audit_chain_anchor (
        workspace_id text     NOT NULL,
        seq          bigint   NOT NULL,
        hash         char(64) NOT NULL,
        retention_id bigint   NOT NULL REFERENCES audit_retention_log (id),
        PRIMARY KEY (workspace_id, seq)
      )`);
    for (const table of ['audit_retention_log', 'audit_chain_anchor']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_chain_anchor`);
    await q.query(`DROP TABLE audit_retention_log`);
    await q.query(`DROP TABLE audit_event_key`);
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP FUNCTION audit_refuse_change()`);
  }
}
