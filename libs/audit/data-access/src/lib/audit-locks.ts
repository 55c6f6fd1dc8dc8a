/**
 * Postgres advisory lock classes (the first key of the two-key form), one per kind of critical
 * section, so audit's locks never meet another kind's.
 */
export const AUDIT_LOCK = {
  /** Second key: `hashtext(workspace_id)`. Serialises appends to one workspace's chain. */
  chain: 0x4a41_0001,
  /** Second key: 0. Creating and dropping partitions, one replica at a time. */
  partitions: 0x4a41_0002,
} as const;
