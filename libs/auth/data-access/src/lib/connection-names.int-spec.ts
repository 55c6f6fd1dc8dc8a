import { DataSource } from 'typeorm';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { ConnectionNameTakenError, ConnectionRepository } from './connection.repository';
import { ConnectionEntity } from './entities';
import { AUTH_MIGRATIONS, AuthConnectionNames1765400000004 } from './migrations';

/** The connection-names migration on a database that already has duplicate names, then the unique index and lookups by name. */
describe('connection names (real Postgres)', () => {
  const name = uniqueNamespace('auth_names');
  let ds: DataSource;
  const open = (migrations: typeof AUTH_MIGRATIONS) =>
    new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      entities: [ConnectionEntity],
      migrations,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
      migrationsRun: true,
    }).initialize();
  const row = (id: string, workspaceId: string, connectionName: string): ConnectionEntity => ({
    id,
    workspaceId,
    name: connectionName,
    connector: 'http',
    status: 'active',
    secretFields: [],
    ciphertext: Buffer.from('x'),
    wrappedKey: Buffer.from('y'),
    masterKeyId: 'k1',
    oauth: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  });

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    ds = await open(AUTH_MIGRATIONS.slice(0, AUTH_MIGRATIONS.indexOf(AuthConnectionNames1765400000004)));
    await ds.query(`INSERT INTO workspaces (id, name, created_at) VALUES ('ws_a', 'a', now()), ('ws_b', 'b', now())`);
    const rows = ds.getRepository(ConnectionEntity);
    for (const [id, ws, n] of [
      ['conn_1', 'ws_a', 'crm'],
      ['conn_2', 'ws_a', 'crm'],
      ['conn_3', 'ws_a', 'crm'],
      ['conn_4', 'ws_a', 'crm (3)'],
      ['conn_5', 'ws_b', 'crm'],
    ])
      await rows.insert(row(id, ws, n));
    await ds.destroy();
    ds = await open(AUTH_MIGRATIONS);
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('keeps the oldest name and suffixes the others by rank, or by id where that name is taken', async () => {
    const names = ((await ds.query(`SELECT id, name FROM connections ORDER BY id`)) as { id: string; name: string }[]).map((r) => [r.id, r.name]);
    expect(names).toEqual([
      ['conn_1', 'crm'],
      ['conn_2', 'crm (2)'],
      // " (3)" was taken by conn_4 already
      ['conn_3', 'crm (conn_3)'],
      ['conn_4', 'crm (3)'],
      ['conn_5', 'crm'],
    ]);
  });

  it('refuses a taken name on insert and on rename, and finds connections by id or name within the workspace only', async () => {
    const connections = new ConnectionRepository(ds);
    await expect(connections.insert(row('conn_6', 'ws_a', 'crm (2)'))).rejects.toBeInstanceOf(ConnectionNameTakenError);
    await expect(connections.update({ workspaceId: 'ws_a', id: 'conn_1' }, { name: 'crm (3)' })).rejects.toBeInstanceOf(ConnectionNameTakenError);
    const found = await connections.findMany({ workspaceId: 'ws_a' }, { ids: ['conn_1', 'conn_5'], names: ['crm (2)', 'nope'] });
    expect(found.map((c) => c.id).sort()).toEqual(['conn_1', 'conn_2']);
    expect(await connections.findMany({ workspaceId: 'ws_a' }, { ids: [], names: [] })).toEqual([]);
    expect((await connections.findByName({ workspaceId: 'ws_b', name: 'crm' }))?.id).toBe('conn_5');
  });
});
