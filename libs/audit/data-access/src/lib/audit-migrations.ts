import { AuditLog1764086400000 } from './migrations/1764086400000-audit-log';
import { AuditChainKey1765065600000 } from './migrations/1765065600000-audit-chain-key';

/** Applied in order at start-up. */
export const AUDIT_MIGRATIONS = [AuditLog1764086400000, AuditChainKey1765065600000];
