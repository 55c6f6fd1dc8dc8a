import type { EntityManager } from 'typeorm';
import { camelRow, camelRows } from './raw-rows';
import type { WorkspaceScope } from './workspace-scope';

export interface DeadLetterRow {
  id: string;
  workspaceId: string;
  recipeId: string | null;
  subject: string;
  streamSequence: string;
  reason: 'invalid' | 'max_deliveries';
  detail: string;
  event: unknown;
  deliveryCount: number;
  createdAt: Date;
  redrivenAt: Date | null;
  redrivenBy: { type: string; id: string } | null;
  jobId: string | null;
}

export type NewDeadLetter = Pick<DeadLetterRow, 'id' | 'workspaceId' | 'recipeId' | 'subject' | 'reason' | 'detail' | 'event' | 'deliveryCount'> & { streamSequence: number };

export interface DeadLetterFilter {
  recipeId?: string;
  reason?: string;
  state?: 'dead' | 'redriven';
  since?: Date;
  until?: Date;
}

const SUMMARY = `id, workspace_id, recipe_id, subject, stream_sequence, reason, detail, delivery_count, created_at, redriven_at, redriven_by, job_id`;

/** WHERE of a filtered read: parameters $1 workspace, $2 recipe, $3 reason, $4 state, $5 since, $6 until. */
const MATCHES = `workspace_id = $1 AND ($2::text IS NULL OR recipe_id = $2) AND ($3::text IS NULL OR reason = $3)
  AND ($4::text IS NULL OR (redriven_at IS NOT NULL) = ($4 = 'redriven'))
  AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)`;

const filterValues = (scope: WorkspaceScope & DeadLetterFilter) => [
  scope.workspaceId,
  scope.recipeId ?? null,
  scope.reason ?? null,
  scope.state ?? null,
  scope.since ?? null,
  scope.until ?? null,
];

/** Dead letters of trigger events. Every read is scoped by workspace. */
export class DeadLetterRepository {
  constructor(private readonly em: EntityManager) {}

  /** Keeps a dead letter; false when its message was kept already (handed over twice). */
  async insert(letter: NewDeadLetter): Promise<boolean> {
    const rows = (await this.em.query(
      `INSERT INTO dead_letters (id, workspace_id, recipe_id, subject, stream_sequence, reason, detail, event, delivery_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
       ON CONFLICT ON CONSTRAINT dead_letters_once_per_message DO NOTHING RETURNING id`,
      [
        letter.id,
        letter.workspaceId,
        letter.recipeId,
        letter.subject,
        letter.streamSequence,
        letter.reason,
        letter.detail,
        letter.event === undefined ? null : JSON.stringify(letter.event),
        letter.deliveryCount,
      ],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Newest first, `limit` rows older than `cursor` (an id of the previous page). */
  async list(scope: WorkspaceScope & DeadLetterFilter & { cursor?: string; limit: number }): Promise<DeadLetterRow[]> {
    return camelRows<DeadLetterRow>(
      await this.em.query(`SELECT ${SUMMARY} FROM dead_letters WHERE ${MATCHES} AND ($7::text IS NULL OR id < $7) ORDER BY id DESC LIMIT $8`, [
        ...filterValues(scope),
        scope.cursor ?? null,
        scope.limit,
      ]),
    );
  }

  /** Ids of letters a redrive by filter takes: not redriven, oldest first, after `cursor`. */
  async idsToRedrive(scope: WorkspaceScope & DeadLetterFilter & { cursor?: string; limit: number }): Promise<string[]> {
    const rows = (await this.em.query(`SELECT id FROM dead_letters WHERE ${MATCHES} AND redriven_at IS NULL AND ($7::text IS NULL OR id > $7) ORDER BY id LIMIT $8`, [
      ...filterValues(scope),
      scope.cursor ?? null,
      scope.limit,
    ])) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async find(scope: WorkspaceScope & { id: string }): Promise<DeadLetterRow | undefined> {
    const [row] = (await this.em.query(`SELECT * FROM dead_letters WHERE id = $1 AND workspace_id = $2`, [scope.id, scope.workspaceId])) as Record<string, unknown>[];
    return row ? camelRow<DeadLetterRow>(row) : undefined;
  }

  /**
   * Marks a letter redriven, if no one has: the row stays locked until the caller's transaction
   * ends, so a concurrent redrive of it waits, then finds it taken. Undefined when taken or absent.
   */
  async takeForRedrive(scope: WorkspaceScope & { id: string }, by: { type: string; id: string }): Promise<DeadLetterRow | undefined> {
    const [row] = camelRows<DeadLetterRow>(
      await this.em.query(
        `UPDATE dead_letters SET redriven_at = now(), redriven_by = $3::jsonb
          WHERE id = $1 AND workspace_id = $2 AND redriven_at IS NULL RETURNING *`,
        [scope.id, scope.workspaceId, JSON.stringify(by)],
      ),
    );
    return row;
  }

  /** The job an event's `(recipe, dedupe key)` made, when the redrive finds it made already. */
  async jobOf(scope: WorkspaceScope & { recipeId: string; dedupeKey: string }): Promise<string | undefined> {
    const [row] = (await this.em.query(`SELECT id FROM jobs WHERE recipe_id = $1 AND dedupe_key = $2 AND workspace_id = $3 ORDER BY created_at DESC LIMIT 1`, [
      scope.recipeId,
      scope.dedupeKey,
      scope.workspaceId,
    ])) as { id: string }[];
    return row?.id;
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.em.query(`UPDATE dead_letters SET job_id = $2 WHERE id = $1`, [id, jobId]);
  }
}
