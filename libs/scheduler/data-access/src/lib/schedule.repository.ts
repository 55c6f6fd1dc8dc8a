import type { EntityManager } from 'typeorm';
import type { ScheduleKind } from '@junction/scheduler/contracts';
import { PollCursorRow } from './poll-cursor.entity';
import { ScheduleRow } from './schedule.entity';
import { values } from './typeorm-values';
import type { WorkspaceScope } from './workspace-scope';

export type ScheduleFields = Omit<
  ScheduleRow,
  'id' | 'workspaceId' | 'recipeId' | 'createdAt' | 'updatedAt' | 'lastFiredAt' | 'lastMisfireAt' | 'lastMisfireSkipped' | 'lastMisfireCaughtUp'
>;

/** Schedules and their poll cursors, always within one workspace (except the firing loop's claim). */
export class ScheduleRepository {
  constructor(private readonly em: EntityManager) {}

  findByRecipe(scope: WorkspaceScope & { recipeId: string }): Promise<ScheduleRow | null> {
    return this.em.getRepository(ScheduleRow).findOne({ where: { workspaceId: scope.workspaceId, recipeId: scope.recipeId } });
  }

  /** Locks the recipe's schedule row for the rest of the transaction (upserts of one recipe serialise). */
  findByRecipeForUpdate(scope: WorkspaceScope & { recipeId: string }): Promise<ScheduleRow | null> {
    return this.em
      .getRepository(ScheduleRow)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.workspace_id = :workspaceId AND s.recipe_id = :recipeId', scope)
      .getOne();
  }

  async insert(row: Pick<ScheduleRow, 'id' | 'workspaceId' | 'recipeId'> & ScheduleFields): Promise<ScheduleRow> {
    await this.em.getRepository(ScheduleRow).insert(values<ScheduleRow>(row));
    return (await this.findByRecipe(row)) as ScheduleRow;
  }

  async update(scope: WorkspaceScope & { id: string }, fields: Partial<ScheduleFields>): Promise<void> {
    await this.em.getRepository(ScheduleRow).update({ workspaceId: scope.workspaceId, id: scope.id }, values<ScheduleRow>(fields));
  }

  /** Deletes the schedule; its poll cursor goes with it (ON DELETE CASCADE). */
  async delete(scope: WorkspaceScope & { recipeId: string }): Promise<boolean> {
    const result = await this.em.getRepository(ScheduleRow).delete({ workspaceId: scope.workspaceId, recipeId: scope.recipeId });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Claims up to `limit` due schedules of one kind for this transaction. SKIP LOCKED lets other
   * replicas claim other rows meanwhile; a replica that dies releases its claims with its
   * connection, so nothing stays claimed by a dead process.
   */
  claimDue(kind: ScheduleKind, now: Date, limit: number): Promise<ScheduleRow[]> {
    return this.em
      .getRepository(ScheduleRow)
      .createQueryBuilder('s')
      .where('s.kind = :kind AND s.enabled AND s.next_fire_at IS NOT NULL AND s.next_fire_at <= :now', { kind, now })
      .orderBy('s.next_fire_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async advance(id: string, nextFireAt: Date | null, lastFiredAt: Date | null): Promise<void> {
    await this.em.getRepository(ScheduleRow).update({ id }, lastFiredAt ? { nextFireAt, lastFiredAt } : { nextFireAt });
  }

  /** Remembers the latest misfire, for the recipe view. */
  async recordMisfire(id: string, at: Date, skipped: number, caughtUp: number): Promise<void> {
    await this.em.getRepository(ScheduleRow).update({ id }, { lastMisfireAt: at, lastMisfireSkipped: skipped, lastMisfireCaughtUp: caughtUp });
  }

  /** Creates the cursor row of a poll schedule if it is missing; an existing cursor is kept. */
  async ensureCursor(scope: WorkspaceScope & { scheduleId: string }): Promise<void> {
    await this.em
      .createQueryBuilder()
      .insert()
      .into(PollCursorRow)
      .values({ scheduleId: scope.scheduleId, workspaceId: scope.workspaceId, cursor: null, failures: 0 })
      .orIgnore()
      .execute();
  }

  async resetCursor(scope: WorkspaceScope & { scheduleId: string }): Promise<void> {
    await this.em
      .getRepository(PollCursorRow)
      .update({ scheduleId: scope.scheduleId, workspaceId: scope.workspaceId }, { cursor: null, failures: 0, backoffUntil: null, lastError: null });
  }
}
