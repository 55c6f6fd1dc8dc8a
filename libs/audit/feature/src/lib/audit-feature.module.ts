import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { AUDIT_MIGRATIONS, AuditEventStore, AuditPartitions } from '@junction/audit/data-access';
import { AUDIT_CHAIN_KEY_PURPOSE, InMemoryChainKeys, NO_CHAIN_KEYS, type ChainKeys } from '@junction/audit/domain';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { derivedKeysFrom } from '@junction/platform/ports';
import { AuditIngestHandler } from './audit-ingest.handler';
import { AuditMaintenance } from './audit-maintenance';
import { AuditQueryHandlers } from './audit-query.handlers';
import { AuditReader } from './audit-reader';
import { AuditVerifier } from './audit-verifier';
import { AUDIT_CHAIN_KEYS, AUDIT_CLOCK, AUDIT_OPTIONS, type AuditFeatureOptions, type Clock } from './tokens';

/**
 * The audit service's schema. No TypeORM entities: the table is partitioned and written under an
 * advisory lock, which the store does in plain SQL.
 */
export const AUDIT_DATABASE = { entities: [], migrations: AUDIT_MIGRATIONS };

@Module({})
export class AuditFeatureModule {
  /**
   * `masterKeys`: `JUNCTION_MASTER_KEYS`; only keys derived from them for the chain (HKDF, purpose
   * AUDIT_CHAIN_KEY_PURPOSE) are kept. `chainKeys` instead: keys ready-made (tests). Neither: unkeyed rows.
   */
  static forRoot(options: AuditFeatureOptions & { clock?: Clock; masterKeys?: string; chainKeys?: ChainKeys }): DynamicModule {
    return {
      module: AuditFeatureModule,
      providers: [
        { provide: AUDIT_OPTIONS, useValue: options },
        { provide: AUDIT_CLOCK, useValue: options.clock ?? (() => new Date()) },
        {
          provide: AUDIT_CHAIN_KEYS,
          inject: [ROOT_LOGGER],
          useFactory: (logger: Logger): ChainKeys => {
            const keys = options.chainKeys ?? (options.masterKeys ? new InMemoryChainKeys(derivedKeysFrom(options.masterKeys, AUDIT_CHAIN_KEY_PURPOSE)) : NO_CHAIN_KEYS);
            if (keys.currentKeyId === undefined) {
              logger.warn(
                'AUDIT CHAIN IS NOT KEYED: JUNCTION_MASTER_KEYS is not set for the audit service, so new rows are chained with plain SHA-256, which anyone with write access to the audit database can recompute. Set it (and AUDIT_REQUIRE_CHAIN_KEY=true) in production.',
              );
            } else {
              logger.info({ keyId: keys.currentKeyId }, 'audit chain rows are MACed with the audit key derived from the newest master key');
            }
            return keys;
          },
        },
        { provide: AuditEventStore, inject: [getDataSourceToken(), AUDIT_CHAIN_KEYS], useFactory: (ds: DataSource, keys: ChainKeys) => new AuditEventStore(ds, keys) },
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
