import type { DataSource } from 'typeorm';
import { CustomConnectorVersion } from './custom-connector.entity';

/** The tenant is part of every query's type: an unscoped read does not compile. */
export interface WorkspaceScope {
  workspaceId: string;
}

const UNIQUE_VIOLATION = '23505';

export class CustomConnectorRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores the next version of `key` (1 for a new key); concurrent writers each get their own number. */
  async addVersion(scope: WorkspaceScope, key: string, definition: Record<string, unknown>): Promise<CustomConnectorVersion> {
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = (await this.dataSource.query(
          `INSERT INTO custom_connector_version (workspace_id, key, version, definition)
           SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3::jsonb FROM custom_connector_version WHERE workspace_id = $1 AND key = $2
           RETURNING id, version, created_at`,
          [scope.workspaceId, key, JSON.stringify(definition)],
        )) as { id: string; version: number; created_at: Date }[];
        return Object.assign(new CustomConnectorVersion(), {
          id: rows[0].id,
          workspaceId: scope.workspaceId,
          key,
          version: rows[0].version,
          definition,
          createdAt: rows[0].created_at,
        });
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 5) throw error;
      }
    }
  }

  latest(scope: WorkspaceScope, key: string): Promise<CustomConnectorVersion | null> {
    return this.dataSource.getRepository(CustomConnectorVersion).findOne({ where: { workspaceId: scope.workspaceId, key }, order: { version: 'DESC' } });
  }

  /** The newest version of every custom connector of the workspace. */
  async listLatest(scope: WorkspaceScope): Promise<CustomConnectorVersion[]> {
    return this.dataSource
      .getRepository(CustomConnectorVersion)
      .createQueryBuilder('c')
      .distinctOn(['c.key'])
      .where('c.workspace_id = :ws', { ws: scope.workspaceId })
      .orderBy('c.key')
      .addOrderBy('c.version', 'DESC')
      .getMany();
  }
}
