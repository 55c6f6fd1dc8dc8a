import { In, MoreThan, Not, type DataSource, type Repository } from 'typeorm';
import { ConnectionEntity } from './entities';
import type { Page, TenantScope } from './tenant';

export class ConnectionRepository {
  private readonly rows: Repository<ConnectionEntity>;

  constructor(dataSource: DataSource) {
    this.rows = dataSource.getRepository(ConnectionEntity);
  }

  /** A name taken in the workspace (a concurrent writer) throws `ConnectionNameTakenError`. */
  async insert(row: ConnectionEntity): Promise<void> {
    await uniqueName(row.name, () => this.rows.insert(row));
  }

  find(scope: TenantScope & { id: string }): Promise<ConnectionEntity | null> {
    return this.rows.findOneBy({ workspaceId: scope.workspaceId, id: scope.id });
  }

  findByName(scope: TenantScope & { name: string }): Promise<ConnectionEntity | null> {
    return this.rows.findOneBy({ workspaceId: scope.workspaceId, name: scope.name });
  }

  /** The workspace's connections with any of these ids or names (at most 100 of each). */
  findMany(scope: TenantScope, refs: { ids: string[]; names: string[] }): Promise<ConnectionEntity[]> {
    const where = [
      ...(refs.ids.length ? [{ workspaceId: scope.workspaceId, id: In(refs.ids.slice(0, 100)) }] : []),
      ...(refs.names.length ? [{ workspaceId: scope.workspaceId, name: In(refs.names.slice(0, 100)) }] : []),
    ];
    return where.length ? this.rows.find({ where }) : Promise.resolve([]);
  }

  list(scope: TenantScope, page: Page): Promise<ConnectionEntity[]> {
    return this.rows.find({
      where: { workspaceId: scope.workspaceId, ...(page.after ? { id: MoreThan(page.after) } : {}) },
      order: { id: 'ASC' },
      take: page.limit,
    });
  }

  async update(
    scope: TenantScope & { id: string },
    changes: Partial<Pick<ConnectionEntity, 'name' | 'status' | 'secretFields' | 'ciphertext' | 'wrappedKey' | 'masterKeyId' | 'oauth' | 'updatedAt'>>,
  ): Promise<boolean> {
    const result = await uniqueName(changes.name, () => this.rows.update({ workspaceId: scope.workspaceId, id: scope.id }, changes));
    return (result.affected ?? 0) > 0;
  }

  async delete(scope: TenantScope & { id: string }): Promise<boolean> {
    const result = await this.rows.delete({ workspaceId: scope.workspaceId, id: scope.id });
    return (result.affected ?? 0) > 0;
  }

  /** Rows whose data key is wrapped under another master key than `keyId` (rotation's work list). */
  notUnder(keyId: string, page: Page): Promise<ConnectionEntity[]> {
    return this.rows.find({ where: { masterKeyId: Not(keyId), ...(page.after ? { id: MoreThan(page.after) } : {}) }, order: { id: 'ASC' }, take: page.limit });
  }

  countNotUnder(keyId: string): Promise<number> {
    return this.rows.countBy({ masterKeyId: Not(keyId) });
  }

  /**
   * Replaces the wrapped data key only if the row still holds the one that was re-wrapped: a
   * concurrent update (new secrets, new data key) wins and the rotation leaves it alone.
   */
  async swapWrappedKey(row: ConnectionEntity, wrappedKey: Buffer, masterKeyId: string): Promise<boolean> {
    const result = await this.rows
      .createQueryBuilder()
      .update(ConnectionEntity)
      .set({ wrappedKey, masterKeyId })
      .where('id = :id AND master_key_id = :old AND wrapped_key = :oldWrapped', { id: row.id, old: row.masterKeyId, oldWrapped: row.wrappedKey })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

/** Another connection of the workspace already has this name. */
export class ConnectionNameTakenError extends Error {
  override readonly name = 'ConnectionNameTakenError';
  constructor(readonly connectionName: string) {
    super(`a connection named ${JSON.stringify(connectionName)} already exists in this workspace`);
  }
}

async function uniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const cause = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
    if (cause?.code === '23505' && cause.constraint === 'connections_workspace_name') throw new ConnectionNameTakenError(name ?? '');
    throw error;
  }
}
