import type { IdempotencyOwner } from '@junction/platform/idempotency';

export const IDEMPOTENT_CREATE = Symbol('junction:idempotent-create');

export interface IdempotentCreateOptions {
  /** The service that creates the resource and keeps its keys. */
  owner: IdempotencyOwner;
  /** Longest this route may take, ms: a key held longer is deemed abandoned (default 60 s). */
  leaseMs?: number;
}
