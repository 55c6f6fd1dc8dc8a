import type { EntityManager } from 'typeorm';
import { RecipeVersionRow, type RecipeRow, type VersionAuthor } from './entities';
import { camelRows } from './raw-rows';
import type { WorkspaceScope } from './workspace-scope';

/** Another recipe of the workspace (not deleted) already has this name. */
export class RecipeNameTakenError extends Error {
  override readonly name = 'RecipeNameTakenError';
  constructor(readonly recipeName: string) {
    super(`a recipe named ${JSON.stringify(recipeName)} already exists in this workspace`);
  }
}

export interface RecipeWithDefinition {
  recipe: RecipeRow;
  definition: Record<string, unknown>;
}

/** Recipes and their immutable versions. Deleted recipes are invisible to every scoped read. */
export class RecipeRepository {
  constructor(private readonly em: EntityManager) {}

  /** Creates the recipe and its version 1 (call inside a transaction). A name taken in the workspace throws `RecipeNameTakenError`. */
  async create(scope: WorkspaceScope & { id: string; name: string; definition: Record<string, unknown>; managedBy?: string; createdBy?: VersionAuthor }): Promise<RecipeRow> {
    const [row] = camelRows<RecipeRow>(
      await this.unique(scope.name, () =>
        this.em.query(`INSERT INTO recipes (id, workspace_id, name, version, state, managed_by) VALUES ($1, $2, $3, 1, 'stopped', $4) RETURNING *`, [
          scope.id,
          scope.workspaceId,
          scope.name,
          scope.managedBy ?? null,
        ]),
      ),
    );
    await this.insertVersion(scope.id, 1, scope.definition, scope.createdBy);
    return row;
  }

  /**
   * Adds the next version; undefined when the recipe is not this workspace's (call inside a
   * transaction). `managedBy`: undefined keeps the marker, null clears it.
   */
  async addVersion(
    scope: WorkspaceScope & { id: string; name: string; definition: Record<string, unknown>; managedBy?: string | null; createdBy?: VersionAuthor },
  ): Promise<RecipeRow | undefined> {
    const [row] = camelRows<RecipeRow>(
      await this.unique(scope.name, () =>
        this.em.query(
          `UPDATE recipes SET version = version + 1, name = $3, managed_by = CASE WHEN $4 THEN $5 ELSE managed_by END, updated_at = now()
            WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL RETURNING *`,
          [scope.id, scope.workspaceId, scope.name, scope.managedBy !== undefined, scope.managedBy ?? null],
        ),
      ),
    );
    if (row) await this.insertVersion(row.id, row.version, scope.definition, scope.createdBy);
    return row;
  }

  /** The workspace's recipe of that name (names are unique among recipes not deleted). */
  async findByName(scope: WorkspaceScope & { name: string }): Promise<RecipeRow | undefined> {
    const [row] = camelRows<RecipeRow>(await this.em.query(`SELECT * FROM recipes WHERE workspace_id = $1 AND name = $2 AND deleted_at IS NULL`, [scope.workspaceId, scope.name]));
    return row;
  }

  /** Runs a write, turning a violation of the unique name index (a concurrent writer) into `RecipeNameTakenError`. */
  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const cause = (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? (error as { code?: string; constraint?: string });
      if (cause?.code === '23505' && cause.constraint === 'recipes_workspace_name') throw new RecipeNameTakenError(name);
      throw error;
    }
  }

  private async insertVersion(recipeId: string, version: number, definition: Record<string, unknown>, createdBy: VersionAuthor | undefined): Promise<void> {
    await this.em.query(`INSERT INTO recipe_versions (recipe_id, version, definition, created_by) VALUES ($1, $2, $3, $4)`, [
      recipeId,
      version,
      definition,
      createdBy ? { type: createdBy.type, id: createdBy.id } : null,
    ]);
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

  /** Every version of a recipe (its id already checked against the workspace), newest first, without definitions. */
  async versions(recipeId: string): Promise<{ version: number; createdAt: Date; createdBy: VersionAuthor | null }[]> {
    return camelRows<{ version: number; createdAt: Date; createdBy: VersionAuthor | null }>(
      await this.em.query(`SELECT version, created_at, created_by FROM recipe_versions WHERE recipe_id = $1 ORDER BY version DESC`, [recipeId]),
    );
  }

  /** One version with its definition and when it was made. */
  async version(recipeId: string, version: number): Promise<RecipeVersionRow | undefined> {
    return (await this.em.getRepository(RecipeVersionRow).findOne({ where: { recipeId, version } })) ?? undefined;
  }

  /** Newest first; `cursor` is the last id of the previous page (ids are ULIDs, time-ordered). `name` and `managedBy` match exactly. */
  async list(scope: WorkspaceScope & { limit: number; cursor?: string; name?: string; managedBy?: string }): Promise<RecipeWithDefinition[]> {
    const rows = (await this.em.query(
      `SELECT r.*, v.definition FROM recipes r JOIN recipe_versions v ON v.recipe_id = r.id AND v.version = r.version
        WHERE r.workspace_id = $1 AND r.deleted_at IS NULL AND ($2::text IS NULL OR r.id < $2)
          AND ($4::text IS NULL OR r.name = $4) AND ($5::text IS NULL OR r.managed_by = $5)
        ORDER BY r.id DESC LIMIT $3`,
      [scope.workspaceId, scope.cursor ?? null, scope.limit, scope.name ?? null, scope.managedBy ?? null],
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
