import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { newJobId } from './job-ids';
import { TRIGGER_INTAKE_DURABLE, TriggerReceived, type TriggerEventPayload } from '@junction/executor/contracts';
import { JobRepository } from '@junction/executor/data-access';
import { OnMessage } from '@junction/platform/messaging';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { RecordPolled, TickFired, type RecordPolledPayload, type TickFiredPayload } from '@junction/scheduler/contracts';
import type { DeliveryOutcome } from '@junction/platform/ports';
import { DEFAULT_CONCURRENCY } from './child-jobs';
import { JobSignals } from './job-signals';

// redeliveries back off up to 30 s each: this many outlast a Postgres outage of several hours
const MAX_DELIVER = 1000;

/**
 * Trigger events → queued jobs. The message is acked only once the job row is committed; a
 * redelivered or republished event hits the (recipe, dedupe key) constraint and makes nothing.
 * Jobs are run by the dispatcher, not here, so a slow recipe never holds a stream message.
 */
@Injectable()
export class TriggerIntake {
  constructor(
    private readonly dataSource: DataSource,
    private readonly signals: JobSignals,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @OnMessage(TriggerReceived, { durable: TRIGGER_INTAKE_DURABLE, concurrency: 32, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER })
  onTrigger(event: TriggerEventPayload): Promise<DeliveryOutcome | void> {
    return this.accept(event);
  }

  /** A schedule recipe's tick: `trigger` is `{ scheduledAt, firedAt }`, deduped by the tick's key. */
  @OnMessage(TickFired, { durable: 'executor-tick-intake', concurrency: 8, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER })
  onTick(tick: TickFiredPayload): Promise<DeliveryOutcome | void> {
    return this.accept({
      workspaceId: tick.workspaceId,
      recipeId: tick.recipeId,
      kind: 'schedule',
      dedupeKey: tick.dedupeKey,
      receivedAt: tick.firedAt,
      data: { scheduledAt: tick.scheduledAt, firedAt: tick.firedAt },
    });
  }

  /** A poll recipe's new record: `trigger` is the record, deduped by the connector's record key. */
  @OnMessage(RecordPolled, { durable: 'executor-poll-intake', concurrency: 8, ackWaitMs: 30_000, maxDeliver: MAX_DELIVER })
  onRecord(record: RecordPolledPayload): Promise<DeliveryOutcome | void> {
    return this.accept({
      workspaceId: record.workspaceId,
      recipeId: record.recipeId,
      kind: 'poll',
      dedupeKey: record.dedupeKey,
      receivedAt: record.polledAt,
      data: record.data,
    });
  }

  private async accept(event: TriggerEventPayload): Promise<DeliveryOutcome | void> {
    // one statement: the recipe's active version, its concurrency and the deduplicated insert
    const intake = await new JobRepository(this.dataSource.manager).insertForEvent({
      id: newJobId(),
      workspaceId: event.workspaceId,
      recipeId: event.recipeId,
      dedupeKey: event.dedupeKey,
      triggerKind: event.kind,
      defaultConcurrency: DEFAULT_CONCURRENCY,
      trigger: event.data ?? null,
      receivedAt: new Date(event.receivedAt),
    });
    if (intake.outcome === 'no_recipe') return { action: 'drop', reason: `recipe ${event.recipeId} of workspace ${event.workspaceId} does not exist (deleted?)` };
    if (intake.outcome === 'no_version') throw new Error(`version ${intake.version} of recipe ${event.recipeId} is missing`);
    if (intake.outcome === 'created') this.signals.jobQueued();
  }
}
