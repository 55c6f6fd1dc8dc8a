import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `idempotency_keys` table, created by each owning service's own migrations (a subclass with
 * that service's migration name): a service keeps the keys of the resources it owns, in its
 * database, so a lost Redis or gateway forgets nothing. The client's key and the response are
 * never stored in clear: `key_hash` and `fingerprint` are HMACs under the key, `response` is
 * sealed with a key derived from it.
 */
export abstract class CreateIdempotencyKeysTable implements MigrationInterface {
  abstract name: string;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        workspace_id text NOT NULL,
        key_hash text NOT NULL,
        fingerprint text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_flight', 'done')),
        response text,
        locked_until timestamptz,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, key_hash)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
