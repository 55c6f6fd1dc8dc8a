import type { EntityManager } from 'typeorm';
import type { JobRow, JobRowStatus, JobStepRow } from './entities';
import { camelRows, STEP_COLUMNS } from './raw-rows';
import type { WorkspaceScope } from './workspace-scope';

/** A past job as replay reads it: what it was given, its last checkpoint, where it stands. */
export type RecordedJobRow = Pick<JobRow, 'id' | 'recipeId' | 'recipeVersion' | 'status' | 'trigger' | 'state' | 'receivedAt' | 'startedAt'>;

export interface RecordedJobsFilter {
  status?: JobRowStatus;
  since?: Date;
  until?: Date;
  version?: number;
  limit: number;
}

const COLUMNS = 'id, recipe_id, recipe_version, status, trigger, state, received_at, started_at';

/** Reads recorded jobs of one recipe and their step rows, for replay. Never writes. */
export class RecordedJobsRepository {
  constructor(private readonly em: EntityManager) {}

  /** The jobs of `ids` that belong to the recipe in the workspace, newest first; the others are simply absent. */
  async byIds(scope: WorkspaceScope & { recipeId: string }, ids: string[]): Promise<RecordedJobRow[]> {
    return camelRows<RecordedJobRow>(
      await this.em.query(`SELECT ${COLUMNS} FROM jobs WHERE workspace_id = $1 AND recipe_id = $2 AND id = ANY($3::text[]) ORDER BY id DESC`, [
        scope.workspaceId,
        scope.recipeId,
        ids,
      ]),
    );
  }

  /** The newest jobs of the recipe the filter matches (creation time in [since, until)), at most `limit`. */
  async matching(scope: WorkspaceScope & { recipeId: string }, filter: RecordedJobsFilter): Promise<RecordedJobRow[]> {
    return camelRows<RecordedJobRow>(
      await this.em.query(
        `SELECT ${COLUMNS} FROM jobs
          WHERE workspace_id = $1 AND recipe_id = $2 AND ($3::text IS NULL OR status = $3)
            AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
            AND ($6::int IS NULL OR recipe_version = $6)
          ORDER BY id DESC LIMIT $7`,
        [scope.workspaceId, scope.recipeId, filter.status ?? null, filter.since ?? null, filter.until ?? null, filter.version ?? null, filter.limit],
      ),
    );
  }

  /** The step rows of these jobs (ids already scoped by `byIds`/`matching`), in order per job. */
  async steps(jobIds: string[]): Promise<JobStepRow[]> {
    if (jobIds.length === 0) return [];
    return camelRows<JobStepRow>(await this.em.query(`SELECT ${STEP_COLUMNS} FROM job_steps s WHERE s.job_id = ANY($1::text[]) ORDER BY s.job_id, s.seq`, [jobIds]));
  }
}
