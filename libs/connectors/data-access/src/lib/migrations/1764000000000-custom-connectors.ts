import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CustomConnectors1764000000000 implements MigrationInterface {
  name = 'CustomConnectors1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE custom_connector_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id text NOT NULL,
        key text NOT NULL,
        version int NOT NULL CHECK (version > 0),
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX custom_connector_version_ws_key_version ON custom_connector_version (workspace_id, key, version)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE custom_connector_version`);
  }
}
