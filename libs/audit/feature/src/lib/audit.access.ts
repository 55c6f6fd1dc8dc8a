import { AuditEventRecorded, QueryAudit, VerifyAudit } from '@junction/audit/contracts';
import type { ServiceAccess } from '@junction/platform/ports';

/** Everything audit does on NATS: its NATS permissions are generated from this (tools/scripts/service-auth.ts). */
export const auditAccess: ServiceAccess = {
  service: 'audit',
  serves: [QueryAudit, VerifyAudit],
  calls: [],
  publishes: [],
  consumes: [{ contract: AuditEventRecorded, durable: 'audit-store' }],
};
