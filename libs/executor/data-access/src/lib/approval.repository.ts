import type { EntityManager } from 'typeorm';
import { camelRow, camelRows } from './raw-rows';
import type { WorkspaceScope } from './workspace-scope';

export interface ApprovalRow {
  id: string;
  workspaceId: string;
  jobId: string;
  recipeId: string;
  stepId: string;
  stepKey: string;
  idempotencyKey: string;
  title: string;
  description: string | null;
  createdAt: Date;
  expiresAt: Date;
  decision: 'approved' | 'rejected' | null;
  comment: string | null;
  decidedBy: { type: string; id: string } | null;
  decidedAt: Date | null;
  /** Set when its job was cancelled before anyone decided: closed for good. */
  cancelledAt: Date | null;
}

export type NewApproval = Pick<ApprovalRow, 'id' | 'workspaceId' | 'jobId' | 'recipeId' | 'stepId' | 'stepKey' | 'idempotencyKey' | 'title' | 'description' | 'expiresAt'>;

export type ApprovalState = 'pending' | 'decided' | 'expired' | 'cancelled';

const COLUMNS = `id, workspace_id, job_id, recipe_id, step_id, step_key, idempotency_key, title, description, created_at, expires_at, decision, comment, decided_by, decided_at, cancelled_at`;

/** Approvals of approval steps. Every read and decision is scoped by workspace. */
export class ApprovalRepository {
  constructor(private readonly em: EntityManager) {}

  /** The approval of an idempotency key (job, step key, attempt group): inserted the first time, found on every re-drive. */
  async createOnce(approval: NewApproval): Promise<ApprovalRow> {
    await this.em.query(
      `INSERT INTO approvals (id, workspace_id, job_id, recipe_id, step_id, step_key, idempotency_key, title, description, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT ON CONSTRAINT approvals_once_per_step DO NOTHING`,
      [
        approval.id,
        approval.workspaceId,
        approval.jobId,
        approval.recipeId,
        approval.stepId,
        approval.stepKey,
        approval.idempotencyKey,
        approval.title,
        approval.description,
        approval.expiresAt,
      ],
    );
    const rows = (await this.em.query(`SELECT ${COLUMNS} FROM approvals WHERE idempotency_key = $1`, [approval.idempotencyKey])) as Record<string, unknown>[];
    return camelRow<ApprovalRow>(rows[0]);
  }

  async find(ref: WorkspaceScope & { id: string }): Promise<ApprovalRow | undefined> {
    const rows = (await this.em.query(`SELECT ${COLUMNS} FROM approvals WHERE workspace_id = $1 AND id = $2`, [ref.workspaceId, ref.id])) as Record<string, unknown>[];
    return rows[0] ? camelRow<ApprovalRow>(rows[0]) : undefined;
  }

  /** Newest first, by id (a ULID); `state` pending = undecided and not expired at `now`. */
  async list(query: WorkspaceScope & { state?: ApprovalState; jobId?: string; cursor?: string; limit: number; now: Date }): Promise<ApprovalRow[]> {
    const rows = (await this.em.query(
      `SELECT ${COLUMNS} FROM approvals
       WHERE workspace_id = $1 AND ($2::text IS NULL OR id < $2) AND ($3::text IS NULL OR job_id = $3)
         AND ($4::text IS NULL
           OR ($4 = 'pending' AND decided_at IS NULL AND cancelled_at IS NULL AND expires_at > $5)
           OR ($4 = 'decided' AND decided_at IS NOT NULL)
           OR ($4 = 'expired' AND decided_at IS NULL AND cancelled_at IS NULL AND expires_at <= $5)
           OR ($4 = 'cancelled' AND decided_at IS NULL AND cancelled_at IS NOT NULL))
       ORDER BY id DESC LIMIT $6`,
      [query.workspaceId, query.cursor ?? null, query.jobId ?? null, query.state ?? null, query.now, query.limit],
    )) as Record<string, unknown>[];
    return camelRows<ApprovalRow>(rows);
  }

  /** Records the decision if none was made, the approval has not expired at `now` and its job was not cancelled: the first decision wins. */
  async decide(
    ref: WorkspaceScope & { id: string },
    decision: { decision: 'approved' | 'rejected'; comment: string | null; decidedBy: { type: string; id: string }; now: Date },
  ): Promise<ApprovalRow | undefined> {
    const rows = camelRows<ApprovalRow>(
      await this.em.query(
        `UPDATE approvals SET decision = $3, comment = $4, decided_by = $5::jsonb, decided_at = $6
       WHERE workspace_id = $1 AND id = $2 AND decided_at IS NULL AND cancelled_at IS NULL AND expires_at > $6
       RETURNING ${COLUMNS}`,
        [ref.workspaceId, ref.id, decision.decision, decision.comment, JSON.stringify(decision.decidedBy), decision.now],
      ),
    );
    return rows[0];
  }

  /** Closes the open approvals (undecided, not expired at `now`) of a job just cancelled; returns how many. */
  async cancelOf(jobId: string, now: Date): Promise<number> {
    const rows = (await this.em.query(`UPDATE approvals SET cancelled_at = $2 WHERE job_id = $1 AND decided_at IS NULL AND cancelled_at IS NULL AND expires_at > $2 RETURNING id`, [
      jobId,
      now,
    ])) as unknown;
    const list = Array.isArray(rows) && rows.length === 2 && Array.isArray(rows[0]) ? (rows[0] as unknown[]) : (rows as unknown[]);
    return list.length;
  }

  /** The key that signs approval links, made on first use (replicas racing agree on the first insert). */
  async linkKey(fresh: Buffer): Promise<Buffer> {
    await this.em.query(`INSERT INTO approval_link_keys (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [fresh]);
    const rows = (await this.em.query(`SELECT secret FROM approval_link_keys WHERE id = 1`)) as { secret: Buffer }[];
    return rows[0].secret;
  }
}
