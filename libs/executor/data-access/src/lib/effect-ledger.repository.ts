import type { EntityManager } from 'typeorm';
import { camelRows } from './raw-rows';

/** What became of a sent call: `not_sent` (refused before anything went out), `uncertain` (a crash hid it). */
export type EffectOutcome = 'ok' | 'failed' | 'not_sent' | 'uncertain';

/** One attempt of one action step in the effect ledger. */
export interface EffectEntry {
  jobId: string;
  idempotencyKey: string;
  attempt: number;
  stepKey: string;
  action: string;
  /** The drive (one worker's pass over the job) that sent it last. */
  drive: string;
  /** How often it was sent: above 1 only when a crash made a drive send it again. */
  sends: number;
  intentAt: Date;
  outcome: EffectOutcome | null;
  outcomeAt: Date | null;
}

export type EffectIntent = Pick<EffectEntry, 'jobId' | 'idempotencyKey' | 'attempt' | 'stepKey' | 'action' | 'drive'>;
type EffectRef = Pick<EffectEntry, 'jobId' | 'idempotencyKey' | 'attempt'>;

/** The effect ledger's table: intents written before a call is sent, outcomes after. */
export class EffectLedgerRepository {
  constructor(private readonly manager: EntityManager) {}

  async find(ref: EffectRef): Promise<EffectEntry | undefined> {
    const rows = camelRows<EffectEntry>(
      await this.manager.query(`SELECT * FROM effect_ledger WHERE job_id = $1 AND idempotency_key = $2 AND attempt = $3`, [ref.jobId, ref.idempotencyKey, ref.attempt]),
    );
    return rows[0];
  }

  /**
   * The common case in one statement: records the intent when the attempt has no row yet and answers
   * true; false, writing nothing, when a row is there already (a deferral or a crash came first: read
   * it with `find` and decide). Saves the `find` before the first send of every call (#19).
   */
  async intendFirst(intent: EffectIntent): Promise<boolean> {
    const rows = camelRows<{ sends: number }>(
      await this.manager.query(
        `INSERT INTO effect_ledger (job_id, idempotency_key, attempt, step_key, action, drive) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (job_id, idempotency_key, attempt) DO NOTHING
         RETURNING sends`,
        [intent.jobId, intent.idempotencyKey, intent.attempt, intent.stepKey, intent.action, intent.drive],
      ),
    );
    return rows.length === 1;
  }

  /** Records that `intent.drive` is about to send the call (again): the outcome is unknown until `settle`. Returns the sends so far, this one included. */
  async intend(intent: EffectIntent): Promise<number> {
    const rows = camelRows<{ sends: number }>(
      await this.manager.query(
        `INSERT INTO effect_ledger (job_id, idempotency_key, attempt, step_key, action, drive) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (job_id, idempotency_key, attempt) DO UPDATE
           SET drive = EXCLUDED.drive, sends = effect_ledger.sends + 1, intent_at = now(), outcome = NULL, outcome_at = NULL
         RETURNING sends`,
        [intent.jobId, intent.idempotencyKey, intent.attempt, intent.stepKey, intent.action, intent.drive],
      ),
    );
    return rows[0].sends;
  }

  /**
   * The outcome of the send by `drive`; ignored when another drive has sent it since (its own outcome counts).
   * Committed without waiting for the WAL flush (`synchronous_commit` off for this statement's own
   * transaction only: call it outside a transaction): the checkpoint that follows flushes it with its
   * own commit, and only a Postgres crash before that can lose it. A lost outcome makes a later drive
   * more careful, never send more: it finds the intent without an outcome, as after a crash between
   * the send and the outcome (#19: one WAL flush less per call).
   */
  async settle(ref: EffectRef & { drive: string }, outcome: Exclude<EffectOutcome, 'uncertain'>): Promise<boolean> {
    const raw: unknown = await this.manager.query(
      `UPDATE effect_ledger SET outcome = $5, outcome_at = now()
         FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
        WHERE job_id = $1 AND idempotency_key = $2 AND attempt = $3 AND drive = $4 RETURNING 1`,
      [ref.jobId, ref.idempotencyKey, ref.attempt, ref.drive, outcome],
    );
    return camelRows(raw).length === 1;
  }

  /** The call's outcome is unknown and it will not be sent again: kept for review. */
  async markUncertain(ref: EffectRef): Promise<void> {
    await this.manager.query(`UPDATE effect_ledger SET outcome = 'uncertain', outcome_at = now() WHERE job_id = $1 AND idempotency_key = $2 AND attempt = $3`, [
      ref.jobId,
      ref.idempotencyKey,
      ref.attempt,
    ]);
  }

  /** Every entry of a job, in the order they were first intended. */
  async ofJob(jobId: string): Promise<EffectEntry[]> {
    return camelRows<EffectEntry>(await this.manager.query(`SELECT * FROM effect_ledger WHERE job_id = $1 ORDER BY intent_at, step_key, attempt`, [jobId]));
  }
}
