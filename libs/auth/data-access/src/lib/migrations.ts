import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateIdempotencyKeysTable } from '@junction/platform/idempotency';

export class AuthInit1764000000000 implements MigrationInterface {
  name = 'AuthInit1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces(id),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'builder', 'operator', 'auditor')),
        key_hash bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
        prefix text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_workspace_id ON api_keys (workspace_id, id)`);
    await q.query(`
      CREATE TABLE connections (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces(id),
        name text NOT NULL,
        connector text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'needs_reauth')),
        secret_fields text[] NOT NULL,
        ciphertext bytea NOT NULL,
        wrapped_key bytea NOT NULL,
        master_key_id text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX connections_workspace_id ON connections (workspace_id, id)`);
    await q.query(`CREATE INDEX connections_master_key_id ON connections (master_key_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connections`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE workspaces`);
  }
}

export class AuthOAuth1764000000001 implements MigrationInterface {
  name = 'AuthOAuth1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections ADD COLUMN oauth jsonb`);
    await q.query(`
      CREATE TABLE oauth_states (
        state_hash bytea PRIMARY KEY CHECK (octet_length(state_hash) = 32),
        workspace_id text NOT NULL REFERENCES workspaces(id),
        connection_id text NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        caller_id text NOT NULL,
        redirect_uri text NOT NULL,
        code_verifier text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_states`);
    await q.query(`ALTER TABLE connections DROP COLUMN oauth`);
  }
}

export class AuthUsers1764000000002 implements MigrationInterface {
  name = 'AuthUsers1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces(id),
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
        role text NOT NULL CHECK (role IN ('admin', 'builder', 'operator', 'auditor')),
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX users_workspace_id ON users (workspace_id, id)`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        public_jwk jsonb NOT NULL,
        ciphertext bytea NOT NULL,
        wrapped_key bytea NOT NULL,
        master_key_id text NOT NULL,
        created_at timestamptz NOT NULL,
        retired_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE users`);
  }
}

/**
 * Revocable sessions: a per-user epoch that every session token carries (moving it on revokes all
 * of the user's tokens at once), a deny-list of single tokens logged out, kept until they expire,
 * and disabled users (no login, no session).
 */
export class AuthSessionRevocation1765065600003 implements MigrationInterface {
  name = 'AuthSessionRevocation1765065600003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0 CHECK (session_epoch >= 0)`);
    await q.query(`ALTER TABLE users ADD COLUMN disabled_at timestamptz`);
    await q.query(`
      CREATE TABLE revoked_sessions (
        jti          text        PRIMARY KEY,
        user_id      text        NOT NULL,
        workspace_id text        NOT NULL,
        expires_at   timestamptz NOT NULL,
        revoked_at   timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE revoked_sessions`);
    await q.query(`ALTER TABLE users DROP COLUMN disabled_at`);
    await q.query(`ALTER TABLE users DROP COLUMN session_epoch`);
  }
}

/**
 * Connection names are unique in a workspace (recipes in git name their connections, resolved in
 * each environment). Existing duplicates are renamed first, the oldest (lowest id) keeping its
 * name: the 2nd gets " (2)", the 3rd " (3)"…, or " (<id>)" where that name is taken too.
 */
export class AuthConnectionNames1765400000004 implements MigrationInterface {
  name = 'AuthConnectionNames1765400000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      WITH ranked AS (SELECT id, name, row_number() OVER (PARTITION BY workspace_id, name ORDER BY id) AS n FROM connections)
      UPDATE connections c
         SET name = CASE
               WHEN EXISTS (SELECT 1 FROM connections o WHERE o.workspace_id = c.workspace_id AND o.name = ranked.name || ' (' || ranked.n || ')')
               THEN ranked.name || ' (' || c.id || ')'
               ELSE ranked.name || ' (' || ranked.n || ')'
             END
        FROM ranked
       WHERE ranked.id = c.id AND ranked.n > 1`);
    await q.query(`CREATE UNIQUE INDEX connections_workspace_name ON connections (workspace_id, name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX connections_workspace_name`);
  }
}

/** `Idempotency-Key` of the creates auth owns: workspaces, API keys, users, connections. */
export class AuthIdempotencyKeys1765900000005 extends CreateIdempotencyKeysTable {
  name = 'AuthIdempotencyKeys1765900000005';
}

export const AUTH_MIGRATIONS = [
  AuthInit1764000000000,
  AuthOAuth1764000000001,
  AuthUsers1764000000002,
  AuthSessionRevocation1765065600003,
  AuthConnectionNames1765400000004,
  AuthIdempotencyKeys1765900000005,
];
