import type { IdempotencyOwner } from '@junction/platform/idempotency';

export const IDEMPOTENT_CREATE = Symbol('junction:idempotent-create');

export interface IdempotentCreateOptions {
  /** The service that creates the resource and keeps its keys. */
  owner: IdempotencyOwner;
  /** Longest this route may take, ms: a key held longer is deemed abandoned (default 60 s). */
  leaseMs?: number;
  /**
   * The answer shows a secret once (a new API key): the caller (key or user id) is part of the
   * request's identity, so only the caller that created it gets the replay; another caller of the
   * same workspace sending the same key is answered 422 (docs/decisions.md, "Idempotency-Key").
   */
  showsSecretOnce?: boolean;
}
