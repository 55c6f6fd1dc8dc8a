import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@junction/platform/metrics';
import { DURABLE_QUEUE, type DurableQueue } from '@junction/platform/ports';
import { TimerRepository } from '@junction/scheduler/data-access';
import { TimerFired } from '@junction/scheduler/contracts';
import type { Clock } from '@junction/scheduler/domain';
import { inClaimTransaction } from './claim-transaction';
import { SchedulerMetrics } from './scheduler-metrics';
import { SCHEDULER_CLOCK, SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler.options';

export function timerMsgId(workspaceId: string, timerId: string): string {
  return `timer:${workspaceId}:${timerId}`;
}

/** One round of timer firing: claim due timers, publish one event each, mark them fired, commit. */
@Injectable()
export class TimerFiring {
  private readonly metrics?: SchedulerMetrics;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DURABLE_QUEUE) private readonly queue: DurableQueue,
    @Inject(SCHEDULER_CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics && SchedulerMetrics.of(metrics);
  }

  /** Fires one batch; returns how many timers it fired (a full batch means more may be due). */
  async fireDue(): Promise<number> {
    // counted after the commit: a round rolled back fires again and must not count twice
    let fired: { dueAt: Date[]; at: Date } | undefined;
    const count = await inClaimTransaction(this.dataSource, 30_000, async (em) => {
      fired = undefined;
      const timers = new TimerRepository(em);
      const now = this.clock.now();
      const due = await timers.claimDue(now, this.options.batchSize);
      if (due.length === 0) return 0;
      fired = { dueAt: due.map((t) => t.dueAt), at: now };
      // published before the commit: a crash in between re-publishes the same msg ids, which JetStream drops
      await Promise.all(
        due.map((t) =>
          this.queue.publish(
            TimerFired,
            {
              workspaceId: t.workspaceId,
              timerId: t.id,
              target: t.target,
              ...(t.payload ? { payload: t.payload } : {}),
              dueAt: t.dueAt.toISOString(),
              firedAt: now.toISOString(),
            },
            { msgId: timerMsgId(t.workspaceId, t.id), workspaceId: t.workspaceId },
          ),
        ),
      );
      await timers.markFired(due, now, this.options.replicaId);
      return due.length;
    });
    if (fired) this.metrics?.firedAt('timer', fired.dueAt, fired.at);
    return count;
  }
}
