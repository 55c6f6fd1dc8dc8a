import type { Pool } from 'pg';
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

/**
 * Ends a pool before its database is dropped. `pool.end()` resolves before the sockets close, so
 * the drop can still terminate a closing session, whose error would otherwise crash the process.
 */
export async function endPool(pool: Pool): Promise<void> {
  pool.on('error', () => undefined);
  await pool.end();
}
