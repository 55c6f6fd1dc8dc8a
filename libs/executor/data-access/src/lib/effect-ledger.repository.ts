import type { Pool as PgPool } from 'pg';
import type { EntityManager } from 'typeorm';
import { camelRows } from './raw-rows';
import { perPool, TurnBatcher } from './turn-batcher';
import { walDurability } from './wal-durability';

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
   * it with `find` and decide). Saves the `find` before the first send of every call (#19). Outside a
   * transaction the intents of one event-loop turn share one statement and one commit (`TurnBatcher`);
   * each caller learns whether its own row was written, only once that commit is durable.
   */
  async intendFirst(intent: EffectIntent): Promise<boolean> {
    const pool = this.pool();
    if (pool) return intentBatcher(pool).submit(intent);
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
    const pool = this.pool();
    // outside a transaction the outcomes of one turn share one statement (and its asynchronous commit)
    if (pool) return outcomeBatcher(pool).submit({ ...ref, outcome });
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

  /** The pool to batch on; none inside a transaction (its statements must run on its own connection). */
  private pool(): PgPool | undefined {
    return this.manager.queryRunner ? undefined : (this.manager.connection.driver as { master?: PgPool }).master;
  }

  /** Every entry of a job, in the order they were first intended. */
  async ofJob(jobId: string): Promise<EffectEntry[]> {
    return camelRows<EffectEntry>(await this.manager.query(`SELECT * FROM effect_ledger WHERE job_id = $1 ORDER BY intent_at, step_key, attempt`, [jobId]));
  }
}

type Settled = EffectRef & { drive: string; outcome: Exclude<EffectOutcome, 'uncertain'> };

/** One row per attempt in a statement: a second write of the same attempt waits for the next batch and sees the first. */
const attemptKey = (r: EffectRef) => JSON.stringify([r.jobId, r.idempotencyKey, r.attempt]);

// the rows are inserted in key order: two batches racing on the same attempts (a re-drive beside a
// stalled drive) wait on each other in one order rather than deadlock
const INTENT_BATCH_SQL = `INSERT INTO effect_ledger (job_id, idempotency_key, attempt, step_key, action, drive)
  SELECT job_id, idempotency_key, attempt, step_key, action, drive
    FROM jsonb_to_recordset($1::jsonb) AS c(job_id text, idempotency_key text, attempt int, step_key text, action text, drive text)
   ORDER BY job_id, idempotency_key, attempt
  ON CONFLICT (job_id, idempotency_key, attempt) DO NOTHING
  RETURNING job_id, idempotency_key, attempt`;

/** The first intents of a turn: one INSERT, a synchronous commit; true for each caller whose own row it wrote. */
const intentBatcher = perPool(
  (pool) =>
    new TurnBatcher<EffectIntent, boolean>(pool, {
      key: attemptKey,
      async send(db, intents) {
        const rows = intents.map((i) => ({ job_id: i.jobId, idempotency_key: i.idempotencyKey, attempt: i.attempt, step_key: i.stepKey, action: i.action, drive: i.drive }));
        // a synchronous commit: once it wrote a row, the asynchronous commits before it are durable too
        const covered = walDurability(db).covering();
        let written: { job_id: string; idempotency_key: string; attempt: number }[] = [];
        try {
          ({ rows: written } = await db.query<{ job_id: string; idempotency_key: string; attempt: number }>({
            name: 'executor_effect_intent_batch',
            text: INTENT_BATCH_SQL,
            values: [JSON.stringify(rows)],
          }));
        } finally {
          covered(written.length > 0);
        }
        const inserted = new Set(written.map((r) => attemptKey({ jobId: r.job_id, idempotencyKey: r.idempotency_key, attempt: r.attempt })));
        return intents.map((i) => inserted.has(attemptKey(i)));
      },
    }),
);

// `synchronous_commit` off for this statement's own transaction only, as the single `settle` does
const OUTCOME_BATCH_SQL = `UPDATE effect_ledger e SET outcome = c.outcome, outcome_at = now()
    FROM jsonb_to_recordset($1::jsonb) AS c(i int, job_id text, idempotency_key text, attempt int, drive text, outcome text),
         (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
   WHERE e.job_id = c.job_id AND e.idempotency_key = c.idempotency_key AND e.attempt = c.attempt AND e.drive = c.drive
  RETURNING c.i`;

/** The outcomes of a turn: one UPDATE, an asynchronous commit; true for each caller whose drive still owned its row. */
const outcomeBatcher = perPool(
  (pool) =>
    new TurnBatcher<Settled, boolean>(pool, {
      key: attemptKey,
      async send(db, settled) {
        const rows = settled.map((s, i) => ({ i, job_id: s.jobId, idempotency_key: s.idempotencyKey, attempt: s.attempt, drive: s.drive, outcome: s.outcome }));
        const { rows: won } = await db.query<{ i: number }>({ name: 'executor_effect_outcome_batch', text: OUTCOME_BATCH_SQL, values: [JSON.stringify(rows)] });
        const set = new Set(won.map((r) => r.i));
        return settled.map((_, i) => set.has(i));
      },
    }),
);
