import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AUDIT_MIGRATIONS, AuditEventStore, AuditPartitions } from '@junction/audit/data-access';
import { AuditIngestHandler } from './audit-ingest.handler';
import { AuditMaintenance } from './audit-maintenance';
import { AuditQueryHandlers } from './audit-query.handlers';
import { AuditReader } from './audit-reader';
import { AuditVerifier } from './audit-verifier';
import { AUDIT_CLOCK, AUDIT_OPTIONS, type AuditFeatureOptions, type Clock } from './tokens';

/**
 * The audit service's schema. No TypeORM entities: the table is partitioned and written under an
 * advisory lock, which the store does in plain SQL.
 */
export const AUDIT_DATABASE = { entities: [], migrations: AUDIT_MIGRATIONS };

@Module({})
export class AuditFeatureModule {
  static forRoot(options: AuditFeatureOptions & { clock?: Clock }): DynamicModule {
    return {
      module: AuditFeatureModule,
      providers: [
        { provide: AUDIT_OPTIONS, useValue: options },
        { provide: AUDIT_CLOCK, useValue: options.clock ?? (() => new Date()) },
        { provide: AuditEventStore, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new AuditEventStore(ds) },
        { provide: AuditPartitions, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new AuditPartitions(ds) },
        AuditIngestHandler,
        AuditReader,
        AuditVerifier,
        AuditQueryHandlers,
        AuditMaintenance,
      ],
    };
  }
}
