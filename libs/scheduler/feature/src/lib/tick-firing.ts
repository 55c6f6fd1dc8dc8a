import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { ServiceMetrics } from '@junction/platform/metrics';
import { AuditPublisher } from '@junction/audit/contracts';
import { DURABLE_QUEUE, type DurableQueue } from '@junction/platform/ports';
import { ScheduleRepository } from '@junction/scheduler/data-access';
import { TickFired } from '@junction/scheduler/contracts';
import { MAX_CATCH_UP, planFiring, type Clock } from '@junction/scheduler/domain';
import { inClaimTransaction } from './claim-transaction';
import { misfireOf, specOf } from './schedule-mapping';
import { SchedulerMetrics } from './scheduler-metrics';
import { SCHEDULER_CLOCK, SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler.options';

/** The dedupe key of a tick: one schedule, one scheduled instant. */
export function tickDedupeKey(scheduleId: string, scheduledAt: Date): string {
  return `${scheduleId}@${scheduledAt.toISOString()}`;
}

/**
 * Most ticks one schedule fires in one round (an every-second cron after a pause). Above the
 * largest catch-up bound, so a full catch-up still leaves room for the on-time ticks.
 */
const TICKS_PER_SCHEDULE = 2 * MAX_CATCH_UP;

/** One round of cron/interval firing: claim due schedules, publish their ticks, advance them, commit. */
@Injectable()
export class TickFiring {
  private readonly audit: AuditPublisher;
  private readonly metrics?: SchedulerMetrics;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    @Inject(SCHEDULER_CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.audit = new AuditPublisher(queue, () => clock.now());
    this.metrics = metrics && SchedulerMetrics.of(metrics);
  }

  /** Handles one batch of due schedules; returns how many it claimed. */
  async fireDue(): Promise<number> {
    // counted after the commit: a round rolled back fires again and must not count twice
    const onTime: Date[] = [];
    let skipped = 0;
    let caughtUp = 0;
    let firedAt = this.clock.now();
    const claimed = await inClaimTransaction(this.dataSource, 30_000, async (em) => {
      onTime.length = skipped = caughtUp = 0;
      const schedules = new ScheduleRepository(em);
      const now = this.clock.now();
      firedAt = now;
      const due = await schedules.claimDue('tick', now, this.options.batchSize);
      const publishes: Promise<unknown>[] = [];
      const advances: { id: string; nextFireAt: Date | null; lastFiredAt: Date | null }[] = [];
      const misfires: { id: string; skipped: number; caughtUp: number }[] = [];
      for (const row of due) {
        let plan;
        try {
          plan = planFiring({ spec: specOf(row), dueAt: row.nextFireAt ?? now, now, misfire: misfireOf(row), graceMs: this.options.misfireGraceMs, limit: TICKS_PER_SCHEDULE });
        } catch (error) {
          // a spec that stopped computing (a zone gone from the runtime's tz data): park it, keep the rest going
          this.logger.error({ err: error, scheduleId: row.id }, 'schedule cannot compute its next tick; parked');
          advances.push({ id: row.id, nextFireAt: null, lastFiredAt: null });
          continue;
        }
        if (plan.skipped > 0 || plan.caughtUp > 0) {
          this.logger.warn({ scheduleId: row.id, skipped: plan.skipped, caughtUp: plan.caughtUp, policy: row.misfirePolicy }, 'missed ticks after downtime');
          misfires.push({ id: row.id, skipped: plan.skipped, caughtUp: plan.caughtUp });
          skipped += plan.skipped;
          caughtUp += plan.caughtUp;
          // published before the commit: a crash before it re-fires the same round, so a misfire is never silent (at worst audited twice)
          publishes.push(
            this.audit.record({
              workspaceId: row.workspaceId,
              actor: { type: 'service', id: 'scheduler' },
              action: plan.skipped > 0 ? 'schedule.ticks_skipped' : 'schedule.ticks_caught_up',
              target: { type: 'recipe', id: row.recipeId },
              changes: { scheduleId: row.id, policy: row.misfirePolicy, skipped: plan.skipped, caughtUp: plan.caughtUp, dueSince: (row.nextFireAt ?? now).toISOString() },
            }),
          );
        }
        for (const scheduledAt of plan.fire) {
          const dedupeKey = tickDedupeKey(row.id, scheduledAt);
          publishes.push(
            this.queue.publish(
              TickFired,
              { workspaceId: row.workspaceId, scheduleId: row.id, recipeId: row.recipeId, scheduledAt: scheduledAt.toISOString(), firedAt: now.toISOString(), dedupeKey },
              { msgId: dedupeKey, workspaceId: row.workspaceId },
            ),
          );
        }
        // the lag of on-time ticks only: missed ones are counted as missed, not as hours of lag
        onTime.push(...plan.fire.slice(plan.caughtUp));
        advances.push({ id: row.id, nextFireAt: plan.nextFireAt, lastFiredAt: plan.fire.at(-1) ?? null });
      }
      await Promise.all(publishes);
      for (const a of advances) await schedules.advance(a.id, a.nextFireAt, a.lastFiredAt);
      for (const m of misfires) await schedules.recordMisfire(m.id, now, m.skipped, m.caughtUp);
      return due.length;
    });
    this.metrics?.firedAt('tick', onTime, firedAt);
    this.metrics?.missed(skipped, caughtUp);
    return claimed;
  }
}
