import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource, MixedList, EntitySchema } from 'typeorm';
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
  entities: EntityList;
  /** Migration classes, applied in order at start-up. The schema never comes from `synchronize`. */
  migrations: MigrationList;
}

export const DATABASE_READINESS = Symbol('DatabaseReadiness');

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
              migrationsRun: true,
              migrationsTableName: 'schema_migrations',
              migrationsTransactionMode: 'each' as const,
              synchronize: false,
              namingStrategy: new SnakeNamingStrategy(),
              extra: { max: options.poolSize, connectionTimeoutMillis: 5000 },
              retryAttempts: 3,
              retryDelay: 1000,
            };
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
