import type { EntityManager } from 'typeorm';
import type { JobAlert } from './entities';
import { camelRows } from './raw-rows';

/** A failed job whose alert is due, with the handler its recipe (or else its workspace) names. */
interface DueFailure {
  id: string;
  workspaceId: string;
  recipeId: string;
  recipeName: string | null;
  recipeVersion: number;
  revision: number;
  triggerKind: string;
  error: { kind?: unknown; message?: unknown; stepId?: unknown } | null;
  finishedAt: Date | null;
  handlerRef: string | null;
}

/** Trigger kind of a handler's job: its failure never alerts, so no handler triggers itself or a chain. */
export const ALERT_TRIGGER_KIND = 'alert';

export interface WorkspaceOnFailure {
  recipe: string;
}

/**
 * Error handlers. A failed job's alert (the handler's job, and the `alert` marker on the failed
 * job) is written in one transaction, with the failed row locked and the handler job deduplicated
 * on `alert:<failed job>:<revision of the failure>`: each failure alerts once, a crash between
 * rounds re-sends nothing, and a rerun's later failure (a new revision) alerts again.
 */
export class AlertRepository {
  constructor(private readonly em: EntityManager) {}

  /** Sends the alerts of up to `limit` failures; returns the handler jobs created. `newId` names each. */
  async sendDue(limit: number, defaultConcurrency: number, newId: () => string): Promise<{ failedJobId: string; handlerJobId: string }[]> {
    return this.em.transaction(async (tx) => {
      const due = camelRows<DueFailure>(
        await tx.query(
          `WITH due AS (
             SELECT id FROM jobs WHERE status = 'failed' AND alert_state IS NULL ORDER BY finished_at LIMIT $1 FOR UPDATE SKIP LOCKED
           )
           SELECT j.id, j.workspace_id, j.recipe_id, r.name AS recipe_name, j.recipe_version, j.revision, j.trigger_kind, j.error, j.finished_at,
                  coalesce(d.definition #>> '{settings,onFailure,recipe}', ws.on_failure->>'recipe') AS handler_ref
             FROM due JOIN jobs j USING (id)
             LEFT JOIN recipes r ON r.id = j.recipe_id
             LEFT JOIN recipe_versions d ON d.recipe_id = j.recipe_id AND d.version = j.recipe_version
             LEFT JOIN workspace_settings ws ON ws.workspace_id = j.workspace_id`,
          [limit],
        ),
      );
      const sent: { failedJobId: string; handlerJobId: string }[] = [];
      for (const f of due) {
        if (f.triggerKind === ALERT_TRIGGER_KIND || !f.handlerRef) {
          await tx.query(`UPDATE jobs SET alert_state = $2 WHERE id = $1`, [f.id, f.triggerKind === ALERT_TRIGGER_KIND ? 'handler' : 'none']);
          continue;
        }
        const dedupeKey = `alert:${f.id}:${f.revision}`;
        const [made] = camelRows<{ recipeId: string | null; created: boolean; jobId: string | null }>(
          await tx.query(
            `WITH h AS (
               SELECT x.id, coalesce(x.active_version, x.version) AS version FROM recipes x
                WHERE x.workspace_id = $2 AND x.deleted_at IS NULL AND (x.id = $3 OR x.name = $3)
                ORDER BY (x.id = $3) DESC, x.created_at LIMIT 1
             ), v AS (
               SELECT h.id, h.version, coalesce((CASE WHEN jsonb_typeof(d.definition #> '{settings,concurrency}') = 'number' THEN (d.definition #>> '{settings,concurrency}')::int END), $6) AS concurrency
                 FROM h JOIN recipe_versions d ON d.recipe_id = h.id AND d.version = h.version
             ), ins AS (
               INSERT INTO jobs (id, workspace_id, recipe_id, recipe_version, dedupe_key, dedupe, trigger_kind, status, concurrency, trigger, received_at)
               SELECT $1, $2, v.id, v.version, $4, '{"key":"alert","window":"lasting"}'::jsonb, '${ALERT_TRIGGER_KIND}', 'queued', v.concurrency, $5::jsonb, now() FROM v
               ON CONFLICT ON CONSTRAINT jobs_once_per_event DO NOTHING RETURNING id
             )
             SELECT (SELECT id FROM v) AS recipe_id, EXISTS (SELECT 1 FROM ins) AS created,
                    coalesce((SELECT id FROM ins), (SELECT j.id FROM jobs j, v WHERE j.recipe_id = v.id AND j.dedupe_key = $4 LIMIT 1)) AS job_id`,
            [newId(), f.workspaceId, f.handlerRef, dedupeKey, JSON.stringify(summary(f)), defaultConcurrency],
          ),
        );
        if (!made.recipeId || !made.jobId) {
          // the handler named is not (or no longer) a recipe of the workspace: nothing to run, said on the job
          await tx.query(`UPDATE jobs SET alert_state = 'none' WHERE id = $1`, [f.id]);
          continue;
        }
        const alert: JobAlert = { recipeId: made.recipeId, jobId: made.jobId, at: new Date().toISOString() };
        await tx.query(`UPDATE jobs SET alert_state = 'sent', alert = $2 WHERE id = $1`, [f.id, JSON.stringify(alert)]);
        if (made.created) sent.push({ failedJobId: f.id, handlerJobId: made.jobId });
      }
      return sent;
    });
  }

  async workspaceOnFailure(workspaceId: string): Promise<WorkspaceOnFailure | null> {
    const [row] = camelRows<{ onFailure: WorkspaceOnFailure | null }>(await this.em.query(`SELECT on_failure FROM workspace_settings WHERE workspace_id = $1`, [workspaceId]));
    return row?.onFailure ?? null;
  }

  async setWorkspaceOnFailure(workspaceId: string, onFailure: WorkspaceOnFailure | null): Promise<void> {
    await this.em.query(
      `INSERT INTO workspace_settings (workspace_id, on_failure, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (workspace_id) DO UPDATE SET on_failure = EXCLUDED.on_failure, updated_at = now()`,
      [workspaceId, onFailure ? JSON.stringify(onFailure) : null],
    );
  }
}

/** What the handler's job receives as its trigger: the failed job's summary (its error is stored redacted). */
function summary(f: DueFailure) {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    job: { id: f.id, link: `/v1/jobs/${f.id}`, triggerKind: f.triggerKind, failedAt: f.finishedAt ? new Date(f.finishedAt).toISOString() : null },
    recipe: { id: f.recipeId, name: f.recipeName, version: f.recipeVersion },
    step: text(f.error?.stepId) ?? null,
    error: { kind: text(f.error?.kind) ?? 'unknown', message: text(f.error?.message) ?? '' },
  };
}
