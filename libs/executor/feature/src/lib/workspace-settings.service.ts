import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PutWorkspaceSettingsRequest, WorkspaceSettingsView } from '@junction/executor/contracts';
import { AlertRepository } from '@junction/executor/data-access';
import type { WorkspaceScope } from '@junction/executor/data-access';
import { RemoteError } from '@junction/platform/ports';
import { ExecutorAudit } from './executor-audit';

/** Workspace-wide settings the executor applies: the default error handler. */
@Injectable()
export class WorkspaceSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: ExecutorAudit,
  ) {}

  async get(scope: WorkspaceScope): Promise<WorkspaceSettingsView> {
    const onFailure = await new AlertRepository(this.dataSource.manager).workspaceOnFailure(scope.workspaceId);
    return onFailure ? { onFailure: { recipe: onFailure.recipe } } : {};
  }

  /** Replaces the settings; a handler must name a recipe of this workspace now (it is looked up again at each failure). */
  async put(request: PutWorkspaceSettingsRequest): Promise<WorkspaceSettingsView> {
    const recipe = request.onFailure?.recipe;
    if (recipe !== undefined) {
      const rows = (await this.dataSource.query(`SELECT 1 FROM recipes WHERE workspace_id = $1 AND deleted_at IS NULL AND (id = $2 OR name = $2) LIMIT 1`, [
        request.workspaceId,
        recipe,
      ])) as unknown[];
      if (rows.length === 0)
        throw new RemoteError('unprocessable', 'the settings are invalid (1 error)', [{ path: '/onFailure/recipe', message: 'names no recipe of this workspace (by id or name)' }]);
    }
    await new AlertRepository(this.dataSource.manager).setWorkspaceOnFailure(request.workspaceId, recipe !== undefined ? { recipe } : null);
    await this.audit.record(request, 'workspace.settings.updated', { type: 'workspace', id: request.workspaceId }, { onFailure: recipe !== undefined ? { recipe } : null });
    return recipe !== undefined ? { onFailure: { recipe } } : {};
  }
}
