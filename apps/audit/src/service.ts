import { IsInt, Max, Min } from 'class-validator';
import { PlatformEnv } from '@junction/platform/config';
import type { ServiceDefinition } from '@junction/platform/service';
import { AUDIT_DATABASE, AuditFeatureModule } from '@junction/audit/feature';

class AuditEnv extends PlatformEnv {
  override PORT = 3005;

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
}

export const auditService: ServiceDefinition<AuditEnv> = {
  name: 'audit',
  env: AuditEnv,
  database: AUDIT_DATABASE,
  imports: (env) => [AuditFeatureModule.forRoot({ retentionMonths: env.AUDIT_RETENTION_MONTHS, maintenanceIntervalMs: env.AUDIT_MAINTENANCE_INTERVAL_MS })],
};
