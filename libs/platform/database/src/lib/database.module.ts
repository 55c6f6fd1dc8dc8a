import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { withTimeout, type ReadinessCheck } from '@junction/platform/ports';
import { databaseUrl, ensureDatabase } from './ensure-database';
import { SnakeNamingStrategy } from './snake-naming.strategy';

// TypeORM's own types for entity and migration lists.
/* eslint-disable @typescript-eslint/no-unsafe-function-type */
type EntityList = MixedList<Function | string | EntitySchema>;
type MigrationList = MixedList<Function | string>;
/* eslint-enable @typescript-eslint/no-unsafe-function-type */

export interface DatabaseModuleOptions {
  /** Server URL (any database on it); the service's own database is created beside it. */
  serverUrl: string;
  database: string;
  poolSize: number;
  /** An idle pooled connection is closed after this long, ms; 10 s (node-postgres' default) if unset. */
  poolIdleMs?: number;
  entities: EntityList;
  /** Migration classes, applied in order at start-up. The schema never comes from `synchronize`. */
  migrations: MigrationList;
}

export const DATABASE_READINESS = Symbol('DatabaseReadiness');

/** Any fixed number: the lock is per database, and each service has its own database. */
const MIGRATION_LOCK_KEY = 7_236_001;

/** Applies pending migrations while holding a session advisory lock, so one replica migrates and the others wait. */
export async function migrateExclusively(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await ensureDatabase(options.serverUrl, options.database);
            return {
              type: 'postgres' as const,
              url: databaseUrl(options.serverUrl, options.database),
              entities: options.entities,
              migrations: options.migrations,
              // run below, under an advisory lock: replicas starting together must not race on DDL
              migrationsRun: false,
              migrationsTableName: 'schema_migrations',
              migrationsTransactionMode: 'each' as const,
              synchronize: false,
              namingStrategy: new SnakeNamingStrategy(),
              extra: { max: options.poolSize, idleTimeoutMillis: options.poolIdleMs ?? 10_000, connectionTimeoutMillis: 5000 },
              retryAttempts: 3,
              retryDelay: 1000,
            };
          },
          dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('database options missing');
            const dataSource = await new DataSource(dataSourceOptions).initialize();
            await migrateExclusively(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [
        {
          provide: DATABASE_READINESS,
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource): ReadinessCheck => ({
            name: 'database',
            check: async (timeoutMs) => {
              await withTimeout(dataSource.query('SELECT 1'), timeoutMs, () => new Error(`Postgres did not answer within ${timeoutMs} ms`));
            },
          }),
        },
      ],
      exports: [TypeOrmModule, DATABASE_READINESS],
    };
  }
}
