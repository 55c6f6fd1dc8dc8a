import type { EntityManager } from 'typeorm';
import { RecipeVersionRow, type RecipeRow } from './entities';
import { camelRows } from './raw-rows';
import type { WorkspaceScope } from './workspace-scope';

export interface RecipeWithDefinition {
  recipe: RecipeRow;
  definition: Record<string, unknown>;
}

/** Recipes and their immutable versions. Deleted recipes are invisible to every scoped read. */
export class RecipeRepository {
  constructor(private readonly em: EntityManager) {}

  /** Creates the recipe and its version 1 (call inside a transaction). */
  async create(scope: WorkspaceScope & { id: string; name: string; definition: Record<string, unknown> }): Promise<RecipeRow> {
    const [row] = camelRows<RecipeRow>(
      await this.em.query(`INSERT INTO recipes (id, workspace_id, name, version, state) VALUES ($1, $2, $3, 1, 'stopped') RETURNING *`, [scope.id, scope.workspaceId, scope.name]),
    );
    await this.insertVersion(scope.id, 1, scope.definition);
    return row;
  }

  /** Adds the next version; undefined when the recipe is not this workspace's (call inside a transaction). */
  async addVersion(scope: WorkspaceScope & { id: string; name: string; definition: Record<string, unknown> }): Promise<RecipeRow | undefined> {
    const [row] = camelRows<RecipeRow>(
      await this.em.query(
        `UPDATE recipes SET version = version + 1, name = $3, updated_at = now()
          WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL RETURNING *`,
        [scope.id, scope.workspaceId, scope.name],
      ),
    );
    if (row) await this.insertVersion(row.id, row.version, scope.definition);
    return row;
  }

  private async insertVersion(recipeId: string, version: number, definition: Record<string, unknown>): Promise<void> {
    await this.em.query(`INSERT INTO recipe_versions (recipe_id, version, definition) VALUES ($1, $2, $3)`, [recipeId, version, definition]);
  }

  async find(scope: WorkspaceScope & { id: string }, lock = false): Promise<RecipeRow | undefined> {
    const [row] = camelRows<RecipeRow>(
      await this.em.query(`SELECT * FROM recipes WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`, [scope.id, scope.workspaceId]),
    );
    return row;
  }

  async findByHook(hookId: string): Promise<RecipeRow | undefined> {
    const [row] = camelRows<RecipeRow>(await this.em.query(`SELECT * FROM recipes WHERE hook_id = $1 AND deleted_at IS NULL`, [hookId]));
    return row;
  }

  async definition(recipeId: string, version: number): Promise<Record<string, unknown> | undefined> {
    const row = await this.em.getRepository(RecipeVersionRow).findOne({ where: { recipeId, version } });
    return row?.definition;
  }

  /** Newest first; `cursor` is the last id of the previous page (ids are ULIDs, time-ordered). */
  async list(scope: WorkspaceScope & { limit: number; cursor?: string }): Promise<RecipeWithDefinition[]> {
    const rows = (await this.em.query(
      `SELECT r.*, v.definition FROM recipes r JOIN recipe_versions v ON v.recipe_id = r.id AND v.version = r.version
        WHERE r.workspace_id = $1 AND r.deleted_at IS NULL AND ($2::text IS NULL OR r.id < $2)
        ORDER BY r.id DESC LIMIT $3`,
      [scope.workspaceId, scope.cursor ?? null, scope.limit],
    )) as Record<string, unknown>[];
    return camelRows<RecipeRow & { definition: Record<string, unknown> }>(rows).map(({ definition, ...recipe }) => ({ recipe, definition }));
  }

  /** `hookExternalId` is replaced (null when the trigger registered nothing with a provider). */
  async setRunState(
    scope: WorkspaceScope & { id: string; state: 'running' | 'stopped'; activeVersion?: number; hookId?: string; hookExternalId?: string | null },
  ): Promise<RecipeRow | undefined> {
    const [row] = camelRows<RecipeRow>(
      await this.em.query(
        `UPDATE recipes SET state = $3, active_version = coalesce($4, active_version), hook_id = coalesce(hook_id, $5),
                hook_external_id = CASE WHEN $6 THEN $7 ELSE hook_external_id END, updated_at = now()
          WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL RETURNING *`,
        [scope.id, scope.workspaceId, scope.state, scope.activeVersion ?? null, scope.hookId ?? null, scope.hookExternalId !== undefined, scope.hookExternalId ?? null],
      ),
    );
    return row;
  }

  /** Soft delete: jobs keep pointing at the versions they ran; the hook stops resolving. */
  async softDelete(scope: WorkspaceScope & { id: string }): Promise<boolean> {
    const rows = camelRows<RecipeRow>(
      await this.em.query(
        `UPDATE recipes SET deleted_at = now(), state = 'stopped', hook_id = NULL, updated_at = now()
          WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL RETURNING id`,
        [scope.id, scope.workspaceId],
      ),
    );
    return rows.length > 0;
  }
}
