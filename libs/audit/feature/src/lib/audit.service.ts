import { IsBoolean, IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import { MASTER_KEYS_PATTERN } from '@junction/platform/ports';
import type { ServiceDefinition } from '@junction/platform/service';
import { AUDIT_DATABASE, AuditFeatureModule } from './audit-feature.module';
import { auditAccess } from './audit.access';

class AuditEnv extends PlatformEnv {
  override PORT = 3005;
  override METRICS_PORT = 9465;

  /** Whole months of audit log kept besides the current month; older monthly partitions are dropped. 0 keeps everything. */
  @IsInt()
  @Min(0)
  @Max(1200)
  AUDIT_RETENTION_MONTHS = 0;

  /** How often partitions are created ahead and retention applied, ms. */
  @IsInt()
  @Min(1000)
  @Max(24 * 3600_000)
  AUDIT_MAINTENANCE_INTERVAL_MS = 3600_000;

  /**
   * The vault's master keys, as auth reads them: the audit chain is MACed with a key derived from
   * the newest (HKDF, purpose `junction-audit-chain`); the raw keys are wiped once derived. Keep
   * retired master keys listed here as long as rows MACed under them must verify.
   */
  @ValidateIf((env: AuditEnv) => env.AUDIT_REQUIRE_CHAIN_KEY || env.JUNCTION_MASTER_KEYS !== undefined)
  @IsString({ message: 'is required when AUDIT_REQUIRE_CHAIN_KEY is true' })
  @Matches(MASTER_KEYS_PATTERN, { message: 'must be id:<base64 of 32 bytes>, comma-separated, newest last' })
  JUNCTION_MASTER_KEYS: string | undefined = undefined;

  /** Refuse to start without JUNCTION_MASTER_KEYS (production). Off, a missing key means unkeyed rows and a warning. */
  @IsBoolean()
  AUDIT_REQUIRE_CHAIN_KEY = false;
}

export const auditService: ServiceDefinition<AuditEnv> = {
  name: 'audit',
  access: auditAccess,
  env: AuditEnv,
  database: AUDIT_DATABASE,
  imports: (env) => [
    AuditFeatureModule.forRoot({
      retentionMonths: env.AUDIT_RETENTION_MONTHS,
      maintenanceIntervalMs: env.AUDIT_MAINTENANCE_INTERVAL_MS,
      masterKeys: env.JUNCTION_MASTER_KEYS,
    }),
  ],
};
