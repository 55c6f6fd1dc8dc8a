import { DataSource } from 'typeorm';
import { databaseUrl, ensureDatabase, migrateExclusively } from '@junction/platform/database';
import { pgQueueMigrations } from '../pg-queue.migrations';

/** Creates database `name` beside `serverUrl` with the queue's schema, the way the services migrate; returns its URL. For tests and benchmarks. */
export async function createQueueDatabase(serverUrl: string, name: string): Promise<string> {
  await ensureDatabase(serverUrl, name);
  const url = databaseUrl(serverUrl, name);
  const dataSource = await new DataSource({ type: 'postgres', url, migrations: pgQueueMigrations, migrationsTableName: 'schema_migrations' }).initialize();
  try {
    await migrateExclusively(dataSource);
  } finally {
    await dataSource.destroy();
  }
  return url;
}
