import type { EntityManager } from 'typeorm';
import { TimerRow } from './timer.entity';
import { values } from './typeorm-values';
import type { WorkspaceScope } from './workspace-scope';

export class TimerRepository {
  constructor(private readonly em: EntityManager) {}

  /** Inserts the timer unless its id exists in the workspace; true when this call created it. */
  async insertIfAbsent(row: Pick<TimerRow, 'workspaceId' | 'id' | 'dueAt' | 'target' | 'payload'>): Promise<boolean> {
    const result = await this.em.createQueryBuilder().insert().into(TimerRow).values(values<TimerRow>(row)).orIgnore().returning(['id']).execute();
    return (result.raw as unknown[]).length > 0;
  }

  find(scope: WorkspaceScope & { id: string }): Promise<TimerRow | null> {
    return this.em.getRepository(TimerRow).findOne({ where: { workspaceId: scope.workspaceId, id: scope.id } });
  }

  /** Removes a timer that has not fired; a fired one stays (it is history, and keeps its id taken). */
  async deleteUnfired(scope: WorkspaceScope & { id: string }): Promise<boolean> {
    const result = await this.em.createQueryBuilder().delete().from(TimerRow).where('workspace_id = :workspaceId AND id = :id AND fired_at IS NULL', scope).execute();
    return (result.affected ?? 0) > 0;
  }

  /** Claims up to `limit` due, unfired timers for this transaction (see ScheduleRepository.claimDue). */
  claimDue(now: Date, limit: number): Promise<TimerRow[]> {
    return this.em
      .getRepository(TimerRow)
      .createQueryBuilder('t')
      .where('t.fired_at IS NULL AND t.due_at <= :now', { now })
      .orderBy('t.due_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markFired(timers: Pick<TimerRow, 'workspaceId' | 'id'>[], firedAt: Date, firedBy: string): Promise<void> {
    if (timers.length === 0) return;
    await this.em.query(
      `UPDATE timers SET fired_at = $1, fired_by = $2
         FROM unnest($3::text[], $4::text[]) AS k(workspace_id, id)
        WHERE timers.workspace_id = k.workspace_id AND timers.id = k.id`,
      [firedAt, firedBy, timers.map((t) => t.workspaceId), timers.map((t) => t.id)],
    );
  }
}
