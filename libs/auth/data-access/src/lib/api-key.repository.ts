import { IsNull, MoreThan, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { ApiKeyEntity, WorkspaceEntity } from './entities';
import type { Page, TenantScope } from './tenant';

export class ApiKeyRepository {
  private readonly keys: Repository<ApiKeyEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.keys = dataSource.getRepository(ApiKeyEntity);
  }

  /** A workspace and its first key commit together or not at all. */
  async createWorkspace(workspace: WorkspaceEntity, firstKey: ApiKeyEntity): Promise<void> {
    await this.dataSource.transaction(async (tx: EntityManager) => {
      await tx.insert(WorkspaceEntity, workspace);
      await tx.insert(ApiKeyEntity, firstKey);
    });
  }

  async insert(key: ApiKeyEntity): Promise<void> {
    await this.keys.insert(key);
  }

  find(scope: TenantScope & { id: string }): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ workspaceId: scope.workspaceId, id: scope.id });
  }

  list(scope: TenantScope, page: Page): Promise<ApiKeyEntity[]> {
    return this.keys.find({
      where: { workspaceId: scope.workspaceId, ...(page.after ? { id: MoreThan(page.after) } : {}) },
      order: { id: 'ASC' },
      take: page.limit,
    });
  }

  /** The key by its hash, whatever its workspace: this is how a bearer key finds its tenant. */
  findByHash(hash: Buffer): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ keyHash: hash });
  }

  /** Sets `revokedAt` once; a second revocation keeps the first time. */
  async revoke(scope: TenantScope & { id: string }, at: Date): Promise<ApiKeyEntity | null> {
    await this.keys.update({ workspaceId: scope.workspaceId, id: scope.id, revokedAt: IsNull() }, { revokedAt: at });
    return this.find(scope);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt: at });
  }
}
