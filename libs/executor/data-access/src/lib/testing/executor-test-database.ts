import { DataSource } from 'typeorm';
import { SnakeNamingStrategy, databaseUrl, dropDatabase, ensureDatabase } from '@junction/platform/database';
import { EXECUTOR_ENTITIES, EXECUTOR_MIGRATIONS } from '../../index';

/** A database of one test file's own, with the executor's schema. */
export interface ExecutorTestDatabase {
  readonly name: string;
  /**
   * A new data source on the database (its own pool: two of them stand for two executor replicas),
   * every executor migration run, as the service runs them. Creates the database on first use.
   */
  connect(options?: { poolSize?: number }): Promise<DataSource>;
  /** Destroys every data source `connect` made, then drops the database. For `afterAll`. */
  drop(): Promise<void>;
}

/**
 * The executor int-specs' set-up in one place: `executorTestDatabase(TEST_SERVERS.postgres,
 * uniqueNamespace('exec_x'))`, `await db.connect()` in `beforeAll`, `await db.drop()` in `afterAll`.
 * It takes the server URL rather than the shared test kit's defaults so that this library's code
 * needs nothing but the platform (the module boundaries of a data-access library).
 */
export function executorTestDatabase(serverUrl: string, name: string): ExecutorTestDatabase {
  const sources: DataSource[] = [];
  let created: Promise<void> | undefined;
  return {
    name,
    async connect({ poolSize } = {}) {
      created ??= ensureDatabase(serverUrl, name);
      await created;
      const source = new DataSource({
        type: 'postgres',
        url: databaseUrl(serverUrl, name),
        entities: EXECUTOR_ENTITIES,
        // the repositories' SQL names columns of every migration (traceparent, flow keys…): run them all
        migrations: EXECUTOR_MIGRATIONS,
        migrationsTableName: 'schema_migrations',
        namingStrategy: new SnakeNamingStrategy(),
        migrationsRun: true,
        ...(poolSize ? { extra: { max: poolSize } } : {}),
      });
      await source.initialize();
      sources.push(source);
      return source;
    },
    async drop() {
      await Promise.all(sources.splice(0).map((source) => (source.isInitialized ? source.destroy() : undefined)));
      if (created) await dropDatabase(serverUrl, name);
    },
  };
}
