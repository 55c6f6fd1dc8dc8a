import type { DataSource } from 'typeorm';
import type { BeginIdempotentReply } from './idempotency.contracts';

/** Stripe keeps keys 24 h: a retry within a day gets the first answer, after that the key is new. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export interface KeyRef {
  workspaceId: string;
  keyHash: string;
  fingerprint: string;
}

/**
 * The owner's side of `Idempotency-Key`: one row per (workspace, key) in the service's database.
 * Every transition is one statement, so two gateways racing on a key agree on who holds it.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: DataSource,
    /** The clock every lease and expiry is read on (a test's manual clock; the database's `now()` is never used). */
    private readonly now: () => Date = () => new Date(),
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
  ) {}

  /**
   * Takes the key for this request, or says why not. A key whose holder went quiet past its lease
   * (a gateway killed mid-request) is taken over, as is an expired one.
   */
  async begin(ref: KeyRef, leaseMs: number): Promise<BeginIdempotentReply> {
    const now = this.now();
    const taken: unknown[] = await this.db.query(
      `INSERT INTO idempotency_keys AS k (workspace_id, key_hash, fingerprint, state, locked_until, created_at, expires_at)
       VALUES ($1, $2, $3, 'in_flight', $5, $4, $6)
       ON CONFLICT (workspace_id, key_hash) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', response = NULL, locked_until = EXCLUDED.locked_until,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
         WHERE k.expires_at <= $4 OR (k.state = 'in_flight' AND k.locked_until <= $4 AND k.fingerprint = EXCLUDED.fingerprint)
       RETURNING 1`,
      [ref.workspaceId, ref.keyHash, ref.fingerprint, now, new Date(now.getTime() + leaseMs), new Date(now.getTime() + this.ttlMs)],
    );
    if (taken.length > 0) return { state: 'started' };
    const rows: { fingerprint: string; state: string; response: string | null }[] = await this.db.query(
      `SELECT fingerprint, state, response FROM idempotency_keys WHERE workspace_id = $1 AND key_hash = $2 AND expires_at > $3`,
      [ref.workspaceId, ref.keyHash, now],
    );
    const row = rows[0];
    // deleted (released or swept) between the two statements: the caller retries at once
    if (!row) return { state: 'in_flight' };
    if (row.fingerprint !== ref.fingerprint) return { state: 'mismatch' };
    if (row.state === 'in_flight' || row.response === null) return { state: 'in_flight' };
    return { state: 'replay', response: row.response };
  }

  /** Records the first response; false if this request no longer held the key. */
  async complete(ref: KeyRef, response: string): Promise<boolean> {
    const [, count] = (await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', response = $4, locked_until = NULL
        WHERE workspace_id = $1 AND key_hash = $2 AND fingerprint = $3 AND state = 'in_flight'`,
      [ref.workspaceId, ref.keyHash, ref.fingerprint, response],
    )) as [unknown, number];
    return count > 0;
  }

  /** Lets the key go without a response (the request failed: nothing was created, a retry runs again). */
  async release(ref: KeyRef): Promise<boolean> {
    const [, count] = (await this.db.query(`DELETE FROM idempotency_keys WHERE workspace_id = $1 AND key_hash = $2 AND fingerprint = $3 AND state = 'in_flight'`, [
      ref.workspaceId,
      ref.keyHash,
      ref.fingerprint,
    ])) as [unknown, number];
    return count > 0;
  }

  /** Deletes expired keys, at most `batch` per statement; returns how many went. */
  async sweep(batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count] = (await this.db.query(`DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at <= $2 LIMIT $1)`, [
        batch,
        this.now(),
      ])) as [unknown, number];
      total += count;
      if (count < batch) return total;
    }
  }
}
