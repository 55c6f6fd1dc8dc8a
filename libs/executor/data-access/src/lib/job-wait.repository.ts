import type { DataSource, EntityManager } from 'typeorm';
import { camelRows } from './raw-rows';

/** An event as `POST /v1/events` (or the executor itself, for `$approval`) delivers it. */
export interface WaitEventInput {
  name: string;
  key: string;
  id: string;
  data: unknown;
}

/** What a resolved wait resumes its step with: the event as it was delivered. */
export interface WaitEventOutput {
  name: string;
  key: string;
  id: string;
  data: unknown;
  /** ISO 8601. */
  receivedAt: string;
}

export interface BufferPolicy {
  /** How long a delivered event stays takeable by a wait that starts later (and deduplicates its id). */
  ttlMs: number;
  /** The newest this many events per (workspace, name, key) are kept; older ones leave the buffer. */
  perKey: number;
}

export interface Delivery {
  /** False for a duplicate id: nothing was stored or woken. */
  accepted: boolean;
  duplicate: boolean;
  /** Waiting jobs this event resolved (each woken once). */
  resumed: number;
}

/** One wait of one job: registered, then resolved by an event or by its timeout. */
export interface WaitRegistration {
  jobId: string;
  workspaceId: string;
  stepKey: string;
  event: { name: string; key: string };
  /** Epoch ms of the timeout. */
  until: number;
}

/**
 * How a wait stands after `register`: resolved by an event (its output), timed out, or still
 * waiting (then, if a park was asked for and the job's revision and lease still held, the job gave
 * its lease up and sleeps until the timeout: `parked` is its new revision).
 */
export type WaitOutcome = { status: 'event'; output: WaitEventOutput } | { status: 'timeout' } | { status: 'waiting'; parked?: number };

/**
 * `wait_events` and `job_waits` (migration JobWaits1767000000000). Registration (with the look for
 * an already buffered event) and delivery (with the look for waiting jobs) each run in one
 * transaction holding `pg_advisory_xact_lock` on (workspace, name, key), so one always sees the
 * other's rows: a wait never misses an event that committed before it, and an event never misses
 * a wait that committed before it. A wait takes at most one event and an event resolves each open
 * wait at most once (`event_seq IS NULL` guards both).
 */
export class JobWaitRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores the event (once per workspace and id) and resolves every open wait on its name and key; returns the jobs woken. */
  deliver(workspaceId: string, event: WaitEventInput, buffer: BufferPolicy): Promise<Delivery & { jobIds: string[] }> {
    return this.dataSource.transaction((em) => this.deliverIn(em, workspaceId, event, buffer));
  }

  /** `deliver` inside the caller's transaction: the event commits (or not) with what else it writes (an approval's decision). */
  async deliverIn(em: EntityManager, workspaceId: string, event: WaitEventInput, buffer: BufferPolicy): Promise<Delivery & { jobIds: string[] }> {
    await lockKey(em, workspaceId, event.name, event.key);
    const inserted = rows<{ seq: string; received_at: Date }>(
      await em.query(
        `INSERT INTO wait_events (workspace_id, id, name, key, data, expires_at) VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
           ON CONFLICT (workspace_id, id) DO NOTHING RETURNING seq, received_at`,
        [workspaceId, event.id, event.name, event.key, JSON.stringify(event.data ?? null), buffer.ttlMs],
      ),
    );
    if (inserted.length === 0) return { accepted: false, duplicate: true, resumed: 0, jobIds: [] };
    // the buffer's bound: the newest `perKey` events of this name and key stay
    await em.query(
      `DELETE FROM wait_events WHERE workspace_id = $1 AND name = $2 AND key = $3
            AND seq <= (SELECT seq FROM wait_events WHERE workspace_id = $1 AND name = $2 AND key = $3 ORDER BY seq DESC OFFSET $4 LIMIT 1)`,
      [workspaceId, event.name, event.key, buffer.perKey],
    );
    const woken = rows<{ job_id: string }>(
      await em.query(
        `WITH w AS (
             UPDATE job_waits w SET event_seq = e.seq, event_id = e.id, event_data = e.data, event_received_at = e.received_at, resolved_at = now()
               FROM wait_events e, jobs j
              WHERE e.workspace_id = $1 AND e.id = $2
                AND w.workspace_id = $1 AND w.name = e.name AND w.key = e.key AND w.event_seq IS NULL
                AND w.after_seq < e.seq AND w.not_before <= e.received_at
                AND j.id = w.job_id AND j.status = 'running'
             RETURNING w.job_id
           )
           UPDATE jobs SET wake_at = now() FROM w WHERE jobs.id = w.job_id AND jobs.status = 'running' RETURNING jobs.id AS job_id`,
        [workspaceId, event.id],
      ),
    );
    return { accepted: true, duplicate: false, resumed: woken.length, jobIds: woken.map((r) => r.job_id) };
  }

  /**
   * Registers the wait (once: a re-drive finds its row), takes a buffered event if one fits, and
   * tells how it stands. Past `until` an unresolved wait is resolved as timed out (for good: a
   * re-drive times out again). With `park`, a still-waiting job gives its lease up in the same
   * transaction (compare-and-set on revision and owner, like a checkpoint) and sleeps until `until`.
   */
  register(wait: WaitRegistration, park?: { owner: string; revision: number }): Promise<WaitOutcome> {
    return this.dataSource.transaction(async (em) => {
      const { jobId, workspaceId, stepKey, event } = wait;
      const until = new Date(wait.until);
      await lockKey(em, workspaceId, event.name, event.key);
      await em.query(
        `INSERT INTO job_waits (job_id, step_key, workspace_id, name, key, after_seq, not_before, until)
         SELECT $1, $2, $3, $4, $5,
                coalesce((SELECT max(event_seq) FROM job_waits WHERE job_id = $1 AND workspace_id = $3 AND name = $4 AND key = $5), 0),
                j.created_at, $6
           FROM jobs j WHERE j.id = $1
         ON CONFLICT (job_id, step_key, until) DO NOTHING`,
        [jobId, stepKey, workspaceId, event.name, event.key, until],
      );
      await em.query(
        `WITH w AS (SELECT * FROM job_waits WHERE job_id = $1 AND step_key = $2 AND until = $3 AND event_seq IS NULL),
              e AS (SELECT e.* FROM wait_events e, w
                     WHERE e.workspace_id = w.workspace_id AND e.name = w.name AND e.key = w.key
                       AND e.seq > w.after_seq AND e.received_at >= w.not_before AND e.expires_at > now()
                     ORDER BY e.seq LIMIT 1)
         UPDATE job_waits SET event_seq = e.seq, event_id = e.id, event_data = e.data, event_received_at = e.received_at, resolved_at = now()
           FROM e WHERE job_waits.job_id = $1 AND job_waits.step_key = $2 AND job_waits.until = $3 AND job_waits.event_seq IS NULL`,
        [jobId, stepKey, until],
      );
      const [row] = camelRows<WaitRow>(
        await em.query(
          `SELECT name, key, event_seq, event_id, event_data, event_received_at, until <= now() AS due FROM job_waits WHERE job_id = $1 AND step_key = $2 AND until = $3`,
          [jobId, stepKey, until],
        ),
      );
      if (!row) throw new Error(`job ${jobId} has no row: its wait ${stepKey} cannot be registered`);
      if (row.eventSeq !== null && Number(row.eventSeq) > 0) {
        return {
          status: 'event',
          output: { name: row.name, key: row.key, id: row.eventId ?? '', data: row.eventData ?? null, receivedAt: (row.eventReceivedAt ?? new Date()).toISOString() },
        };
      }
      if (row.eventSeq !== null) return { status: 'timeout' };
      if (row.due) {
        await em.query(`UPDATE job_waits SET event_seq = 0, resolved_at = now() WHERE job_id = $1 AND step_key = $2 AND until = $3`, [jobId, stepKey, until]);
        return { status: 'timeout' };
      }
      if (!park) return { status: 'waiting' };
      const parked = rows<{ revision: number }>(
        await em.query(
          `UPDATE jobs SET lease_owner = NULL, lease_until = NULL, wake_at = $4, revision = revision + 1, updated_at = now()
            WHERE id = $1 AND revision = $2 AND lease_owner = $3 AND status = 'running' RETURNING revision`,
          [jobId, park.revision, park.owner, until],
        ),
      );
      return { status: 'waiting', ...(parked[0] ? { parked: parked[0].revision } : {}) };
    });
  }

  /** Removes a job's wait rows (cancelled, or ended). */
  async forget(jobId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM job_waits WHERE job_id = $1`, [jobId]);
  }

  /** Expired events leave the buffer; waits of jobs no longer live go. Returns the rows removed. */
  async sweep(limit = 5_000): Promise<{ events: number; waits: number }> {
    const events = rows(
      await this.dataSource.query(`DELETE FROM wait_events WHERE (workspace_id, id) IN (SELECT workspace_id, id FROM wait_events WHERE expires_at <= now() LIMIT $1) RETURNING 1`, [
        limit,
      ]),
    ).length;
    const waits = rows(
      await this.dataSource.query(
        `DELETE FROM job_waits WHERE (job_id, step_key) IN (
           SELECT w.job_id, w.step_key FROM job_waits w JOIN jobs j ON j.id = w.job_id WHERE j.status NOT IN ('queued', 'running') LIMIT $1) RETURNING 1`,
        [limit],
      ),
    ).length;
    return { events, waits };
  }
}

interface WaitRow {
  name: string;
  key: string;
  eventSeq: string | null;
  eventId: string | null;
  eventData: unknown;
  eventReceivedAt: Date | null;
  due: boolean;
}

/** Registration and delivery on one (workspace, name, key) take turns (a 64-bit hash; a collision only serialises two keys). */
async function lockKey(em: EntityManager, workspaceId: string, name: string, key: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7617))`, [`wait\u001f${workspaceId}\u001f${name}\u001f${key}`]);
}

function rows<T = unknown>(raw: unknown): T[] {
  const list = Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number' ? raw[0] : raw;
  return list as T[];
}
