import { AuditLog1764086400000 } from './migrations/1764086400000-audit-log';

/** Applied in order at start-up. */
export const AUDIT_MIGRATIONS = [AuditLog1764086400000];
