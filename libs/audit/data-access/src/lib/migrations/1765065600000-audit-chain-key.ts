import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyed chains: each row names the key its HMAC was made with (null: a row of the SHA-256 chain
 * of before), and the first keyed row after unkeyed ones is marked as the anchor. Retention
 * anchors keep the key id of the row they stand for. Existing rows keep their hashes and stay
 * verifiable as they were; nothing is rewritten. `audit_legacy_seal` holds, per workspace, the
 * MACed tail of its unkeyed chain at the time keys arrived: unkeyed rows past it are refused, so
 * keyed rows cannot be rewritten as unkeyed ones, and the unkeyed rows themselves cannot change.
 */
export class AuditChainKey1765065600000 implements MigrationInterface {
  name = 'AuditChainKey1765065600000';

  async up(q: QueryRunner): Promise<void> {
    // on the partitioned parent: every partition, present and future, gets the columns
    await q.query(`ALTER TABLE audit_event ADD COLUMN key_id text`);
    await q.query(`ALTER TABLE audit_event ADD COLUMN key_anchor boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE audit_event ADD CONSTRAINT audit_event_key_anchor_keyed CHECK (NOT key_anchor OR key_id IS NOT NULL)`);
    // what start-up sealing looks for; stops growing once the service has keys
    await q.query(`CREATE INDEX audit_event_unkeyed ON audit_event (workspace_id) WHERE key_id IS NULL`);
    await q.query(`ALTER TABLE audit_chain_anchor ADD COLUMN key_id text`);
    await q.query(`
      CREATE TABLE audit_legacy_seal (
        workspace_id text        PRIMARY KEY,
        seq          bigint      NOT NULL CHECK (seq > 0),
        hash         char(64)    NOT NULL,
        key_id       text        NOT NULL,
        mac          char(64)    NOT NULL,
        sealed_at    timestamptz NOT NULL
      )`);
    await q.query(`CREATE TRIGGER audit_legacy_seal_append_only BEFORE UPDATE OR DELETE ON audit_legacy_seal FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query(`CREATE TRIGGER audit_legacy_seal_no_truncate BEFORE TRUNCATE ON audit_legacy_seal FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_legacy_seal`);
    await q.query(`ALTER TABLE audit_chain_anchor DROP COLUMN key_id`);
    await q.query(`ALTER TABLE audit_event DROP CONSTRAINT audit_event_key_anchor_keyed`);
    await q.query(`ALTER TABLE audit_event DROP COLUMN key_anchor`);
    await q.query(`ALTER TABLE audit_event DROP COLUMN key_id`);
  }
}
