/** The time source; tests pass a fixed or moving clock. */
export type Clock = () => Date;
export const AUDIT_CLOCK = Symbol('AuditClock');

export interface AuditFeatureOptions {
  /** Whole months kept besides the current one; older monthly partitions are dropped. 0 keeps everything. */
  retentionMonths: number;
  /** How often partitions are created ahead and retention applied, ms. */
  maintenanceIntervalMs: number;
  /** Months created ahead of the current one. */
  partitionsAhead?: number;
}
export const AUDIT_OPTIONS = Symbol('AuditOptions');

/** The keys the chain is MACed with (`ChainKeys`); none configured means plain SHA-256 rows. */
export const AUDIT_CHAIN_KEYS = Symbol('AuditChainKeys');
