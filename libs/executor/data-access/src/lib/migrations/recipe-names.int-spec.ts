import { DataSource } from 'typeorm';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { TEST_SERVERS, uniqueNamespace } from '@junction/shared/testing';
import { EXECUTOR_MIGRATIONS } from '../../index';
import { RecipeRepository, RecipeNameTakenError } from '../recipe.repository';
import { RecipeNames1765400000000 } from './1765400000000-recipe-names';

/** The recipe-names migration on a database that already has duplicate names, then the unique index at work. */
describe('recipe names migration (real Postgres)', () => {
  const name = uniqueNamespace('exec_names');
  let ds: DataSource;
  const names = async (workspaceId: string) =>
    ((await ds.query(`SELECT id, name FROM recipes WHERE workspace_id = $1 ORDER BY id`, [workspaceId])) as { id: string; name: string }[]).map((r) => [r.id, r.name]);

  beforeAll(async () => {
    await ensureDatabase(TEST_SERVERS.postgres, name);
    // every migration before this one (later ones may follow it in the list)
    const before = EXECUTOR_MIGRATIONS.slice(0, EXECUTOR_MIGRATIONS.indexOf(RecipeNames1765400000000));
    ds = await new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      migrations: before,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
      migrationsRun: true,
    }).initialize();
    const row = (id: string, ws: string, recipeName: string, deleted = false) => `('${id}', '${ws}', '${recipeName}', 1, 'stopped', ${deleted ? 'now()' : 'NULL'})`;
    await ds.query(
      `INSERT INTO recipes (id, workspace_id, name, version, state, deleted_at) VALUES ${[
        row('rcp_1', 'ws_a', 'sync'),
        row('rcp_2', 'ws_a', 'sync'),
        row('rcp_3', 'ws_a', 'sync (2)'),
        row('rcp_4', 'ws_a', 'sync'),
        row('rcp_5', 'ws_a', 'sync', true),
        row('rcp_6', 'ws_b', 'sync'),
      ].join(', ')}`,
    );
    await ds.destroy();
    ds = await new DataSource({
      type: 'postgres',
      url: databaseUrl(TEST_SERVERS.postgres, name),
      migrations: EXECUTOR_MIGRATIONS,
      migrationsTableName: 'schema_migrations',
      namingStrategy: new SnakeNamingStrategy(),
      migrationsRun: true,
    }).initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(TEST_SERVERS.postgres, name);
  });

  it('keeps the oldest name, suffixes the others by rank (or by id where that name is taken), and leaves deleted recipes and other workspaces alone', async () => {
    expect(await names('ws_a')).toEqual([
      ['rcp_1', 'sync'],
      // " (2)" was taken by rcp_3 already
      ['rcp_2', 'sync (rcp_2)'],
      ['rcp_3', 'sync (2)'],
      ['rcp_4', 'sync (3)'],
      ['rcp_5', 'sync'],
    ]);
    expect(await names('ws_b')).toEqual([['rcp_6', 'sync']]);
  });

  it('refuses a taken name among recipes not deleted, for inserts and renames alike', async () => {
    const recipes = new RecipeRepository(ds.manager);
    await expect(ds.transaction((em) => new RecipeRepository(em).create({ workspaceId: 'ws_a', id: 'rcp_7', name: 'sync (3)', definition: {} }))).rejects.toBeInstanceOf(
      RecipeNameTakenError,
    );
    await expect(ds.transaction((em) => new RecipeRepository(em).addVersion({ workspaceId: 'ws_a', id: 'rcp_1', name: 'sync (2)', definition: {} }))).rejects.toBeInstanceOf(
      RecipeNameTakenError,
    );
    const created = await ds.transaction((em) =>
      new RecipeRepository(em).create({ workspaceId: 'ws_b', id: 'rcp_8', name: 'sync (3)', definition: {}, managedBy: 'junction-cli' }),
    );
    expect(created.managedBy).toBe('junction-cli');
    expect((await recipes.findByName({ workspaceId: 'ws_b', name: 'sync (3)' }))?.id).toBe('rcp_8');
    expect(await recipes.findByName({ workspaceId: 'ws_a', name: 'nope' })).toBeUndefined();
  });
});
