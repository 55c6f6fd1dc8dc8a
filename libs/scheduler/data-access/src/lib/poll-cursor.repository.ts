import type { EntityManager } from 'typeorm';
import { PollCursorRow } from './poll-cursor.entity';
import { values } from './typeorm-values';

/** The cursor of one claimed poll schedule; used inside the claim's transaction. */
export class PollCursorRepository {
  constructor(private readonly em: EntityManager) {}

  get(scheduleId: string): Promise<PollCursorRow | null> {
    return this.em.getRepository(PollCursorRow).findOne({ where: { scheduleId } });
  }

  async saveProgress(scheduleId: string, cursor: Record<string, unknown> | null, at: Date): Promise<void> {
    await this.em.getRepository(PollCursorRow).update({ scheduleId }, values<PollCursorRow>({ cursor, failures: 0, backoffUntil: null, lastError: null, lastPolledAt: at }));
  }

  /** Counts a failed poll; the cursor is left as it was. */
  async recordFailure(scheduleId: string, failures: number, backoffUntil: Date, error: string, at: Date): Promise<void> {
    await this.em.getRepository(PollCursorRow).update({ scheduleId }, { failures, backoffUntil, lastError: error.slice(0, 1000), lastPolledAt: at });
  }
}
