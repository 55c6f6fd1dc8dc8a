import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { DURABLE_QUEUE, MESSAGE_BUS, type DurableQueue, type MessageBus } from '@junction/platform/ports';
import { PollCursorRepository, ScheduleRepository, type ScheduleRow } from '@junction/scheduler/data-access';
import { ConnectorsPoll, RecordPolled } from '@junction/scheduler/contracts';
import { nextTickAfter, pollBackoffMs, type Clock } from '@junction/scheduler/domain';
import { inClaimTransaction } from './claim-transaction';
import { specOf } from './schedule-mapping';
import { SCHEDULER_CLOCK, SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler.options';

export interface PollRunResult {
  scheduleId: string;
  pages: number;
  /** Records stored as new events. */
  published: number;
  /** Records JetStream already had (a re-poll after a crash before the cursor was saved). */
  duplicates: number;
  error?: string;
}

export function recordMsgId(scheduleId: string, dedupeKey: string): string {
  return `${scheduleId}:${dedupeKey}`;
}

/**
 * Runs due polling triggers, one schedule per transaction. The schedule row stays locked for
 * the whole poll, so two replicas never poll one trigger at once. Per page: ask the connectors
 * service, publish one event per record (msg id = record dedupe key), and only then save the
 * cursor. A failure rolls back to the last saved page, counts the failure and backs off.
 */
@Injectable()
export class PollRunner {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SCHEDULER_CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Polls one due trigger; undefined when none is due (or every due one is being polled elsewhere). */
  pollOne(): Promise<PollRunResult | undefined> {
    // a page may wait the whole connectors deadline: the claim must outlive it
    return inClaimTransaction(this.dataSource, ConnectorsPoll.timeoutMs * 2 + 10_000, async (em) => {
      const now = this.clock.now();
      const [row] = await new ScheduleRepository(em).claimDue('poll', now, 1);
      if (!row) return undefined;
      return this.poll(em, row, now);
    });
  }

  private async poll(em: EntityManager, row: ScheduleRow, now: Date): Promise<PollRunResult> {
    const schedules = new ScheduleRepository(em);
    const cursors = new PollCursorRepository(em);
    await schedules.ensureCursor({ workspaceId: row.workspaceId, scheduleId: row.id });
    const state = await cursors.get(row.id);
    let cursor = state?.cursor ?? null;
    const result: PollRunResult = { scheduleId: row.id, pages: 0, published: 0, duplicates: 0 };
    const nextTick = nextTickAfter(specOf(row), now);
    let hasMore = false;
    try {
      do {
        await em.query('SAVEPOINT poll_page');
        const page = await this.bus.request(
          ConnectorsPoll,
          {
            workspaceId: row.workspaceId,
            connectorKey: row.connectorKey ?? '',
            trigger: row.triggerKey ?? '',
            ...(row.connectionId ? { connectionId: row.connectionId } : {}),
            ...(row.triggerInput ? { input: row.triggerInput } : {}),
            cursor,
          },
          { workspaceId: row.workspaceId },
        );
        const acks = await Promise.all(
          page.records.map((record) =>
            this.queue.publish(
              RecordPolled,
              {
                workspaceId: row.workspaceId,
                scheduleId: row.id,
                recipeId: row.recipeId,
                connectorKey: row.connectorKey ?? '',
                trigger: row.triggerKey ?? '',
                dedupeKey: record.dedupeKey,
                data: record.data,
                polledAt: now.toISOString(),
              },
              { msgId: recordMsgId(row.id, record.dedupeKey), workspaceId: row.workspaceId },
            ),
          ),
        );
        // every record of the page is stored in the stream: only now may the cursor move past them
        await cursors.saveProgress(row.id, page.nextCursor, now);
        await em.query('RELEASE SAVEPOINT poll_page');
        cursor = page.nextCursor;
        result.pages++;
        result.published += acks.filter((a) => !a.duplicate).length;
        result.duplicates += acks.filter((a) => a.duplicate).length;
        hasMore = page.hasMore;
      } while (hasMore && result.pages < this.options.pollMaxPages);
      // pages left over: come back at once rather than wait for the next tick
      await schedules.advance(row.id, hasMore ? now : nextTick, now);
    } catch (error) {
      await em.query('ROLLBACK TO SAVEPOINT poll_page');
      // earlier pages of this round succeeded and reset the count
      const failures = result.pages > 0 ? 1 : (state?.failures ?? 0) + 1;
      const backoffUntil = new Date(now.getTime() + pollBackoffMs(failures, this.options.pollBackoff));
      result.error = error instanceof Error ? error.message : String(error);
      await cursors.recordFailure(row.id, failures, backoffUntil, result.error, now);
      const next = nextTick && nextTick > backoffUntil ? nextTick : backoffUntil;
      await schedules.advance(row.id, next, null);
      this.logger.warn({ err: error, scheduleId: row.id, failures, retryAt: next.toISOString() }, 'poll failed; cursor kept, backing off');
    }
    return result;
  }
}
