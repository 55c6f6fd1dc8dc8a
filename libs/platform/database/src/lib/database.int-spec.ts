import { Client } from 'pg';
import { Column, DataSource, Entity, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { migrateExclusively } from './database.module';
import { databaseUrl, dropDatabase, ensureDatabase } from './ensure-database';
import { SnakeNamingStrategy, snakeCase } from './snake-naming.strategy';

@Entity()
class ProbeRecord {
  @PrimaryColumn()
  recordId: string;

  @Column()
  workspaceId: string;
}

class CreateProbeRecord1700000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE probe_record (record_id text PRIMARY KEY, workspace_id text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE probe_record`);
  }
}

describe('database platform (real Postgres)', () => {
  const name = uniqueNamespace('db');

  afterAll(async () => {
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('creates the service database once, even when replicas race', async () => {
    await Promise.all(Array.from({ length: 5 }, () => ensureDatabase(TEST_SERVERS.postgres, name)));
    const admin = new Client({ connectionString: TEST_SERVERS.postgres });
    await admin.connect();
    const found = await admin.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name]);
    await admin.end();
    expect(found.rows[0].n).toBe(1);
  });

  it('refuses a database name that is not a plain identifier', async () => {
    await expect(ensureDatabase(TEST_SERVERS.postgres, 'x"; DROP DATABASE postgres; --')).rejects.toThrow(/plain identifier/);
  });

  it('applies migrations once and maps camelCase properties to snake_case columns', async () => {
    const options = {
      type: 'postgres' as const,
      url: databaseUrl(TEST_SERVERS.postgres, name),
      entities: [ProbeRecord],
      migrations: [CreateProbeRecord1700000000000],
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
    };
    const first = await new DataSource(options).initialize();
    expect(await first.runMigrations()).toHaveLength(1);
    await first.getRepository(ProbeRecord).insert({ recordId: 'r1', workspaceId: 'ws1' });
    const rows = await first.query('SELECT record_id, workspace_id FROM probe_record');
    expect(rows).toEqual([{ record_id: 'r1', workspace_id: 'ws1' }]);
    await first.destroy();

    const second = await new DataSource(options).initialize();
    expect(await second.runMigrations()).toHaveLength(0); // already applied: nothing runs twice
    await second.destroy();
  });

  it.each([
    ['workspaceId', 'workspace_id'],
    ['lastUsedAt', 'last_used_at'],
    ['HTTPRequest', 'http_request'],
    ['id', 'id'],
  ])('snake-cases %s as %s', (input, expected) => {
    expect(snakeCase(input)).toBe(expected);
  });
});

describe('migrateExclusively (real Postgres)', () => {
  const name = uniqueNamespace('dbmig');

  afterAll(async () => {
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('lets replicas that start together apply each migration exactly once', async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    const replicas = await Promise.all(
      Array.from({ length: 4 }, () =>
        new DataSource({
          type: 'postgres',
          url: databaseUrl(TEST_SERVERS.postgres, name),
          entities: [ProbeRecord],
          migrations: [CreateProbeRecord1700000000000],
          migrationsTableName: 'schema_migrations',
          namingStrategy: new SnakeNamingStrategy(),
        }).initialize(),
      ),
    );
    // without the lock, two of these would both try CREATE TABLE and one would fail
    await Promise.all(replicas.map((r) => migrateExclusively(r)));
    const applied = await replicas[0].query('SELECT count(*)::int AS n FROM schema_migrations');
    expect(applied[0].n).toBe(1);
    await Promise.all(replicas.map((r) => r.destroy()));
  });
});
