import { IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { defineEvent, defineStream } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from '@junction/connectors/contracts';
import { TIMER_ID_RE, TIMER_TARGET_RE } from './timer.contracts';

/**
 * Everything the scheduler fires. Subjects are listed one family at a time, not `scheduler.>`:
 * a stream capturing the request/reply subjects (`scheduler.timer-create.v1`) would answer those
 * requests itself with a publish ack. The dedupe window is long (1 h) because a replica that
 * crashes between publish and commit re-publishes on the next round with the same msg id;
 * the lasting dedupe record is the executor's, in Postgres.
 */
export const SchedulerStream = defineStream({
  name: 'SCHEDULER',
  subjects: ['scheduler.tick.>', 'scheduler.timer.>', 'scheduler.record.>'],
  duplicateWindowMs: 60 * 60_000,
  maxAgeMs: 7 * 24 * 3600_000,
});

/** One tick of a schedule. `dedupeKey` (also the `Nats-Msg-Id`) is `<scheduleId>@<scheduledAt>`. */
export class TickFiredPayload {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  scheduleId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  /** The instant the tick was due (ISO 8601, UTC), not when it was published. */
  @IsISO8601({ strict: true })
  scheduledAt: string;

  @IsISO8601({ strict: true })
  firedAt: string;

  @IsString()
  @MaxLength(200)
  dedupeKey: string;
}

/** A timer came due. `Nats-Msg-Id` is `timer:<workspaceId>:<timerId>`. */
export class TimerFiredPayload {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @Matches(TIMER_ID_RE)
  timerId: string;

  /** Who the timer is for (`executor.job.resume`): consumers filter on it. */
  @Matches(TIMER_TARGET_RE)
  target: string;

  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;

  @IsISO8601({ strict: true })
  dueAt: string;

  @IsISO8601({ strict: true })
  firedAt: string;
}

/** One new record found by a polling trigger. `Nats-Msg-Id` is `<scheduleId>:<dedupeKey>`. */
export class RecordPolledPayload {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  scheduleId: string;

  @IsString()
  @MaxLength(64)
  recipeId: string;

  @Matches(CONNECTOR_KEY_RE)
  connectorKey: string;

  @Matches(CONNECTOR_KEY_RE)
  trigger: string;

  /** The connector's key for the record (an id, an id + updated-at): equal keys are one event. */
  @IsString()
  @MaxLength(256)
  dedupeKey: string;

  @IsObject()
  data: Record<string, unknown>;

  @IsISO8601({ strict: true })
  polledAt: string;
}

/** `scheduler.tick.fired.v1`: a cron or interval schedule ticked. */
export const TickFired = defineEvent('scheduler.tick.fired.v1', TickFiredPayload, SchedulerStream);

/** `scheduler.timer.fired.v1`: a timer (a `delay` step, a long retry backoff) came due. */
export const TimerFired = defineEvent('scheduler.timer.fired.v1', TimerFiredPayload, SchedulerStream);

/** `scheduler.record.polled.v1`: a polling trigger found a record. */
export const RecordPolled = defineEvent('scheduler.record.polled.v1', RecordPolledPayload, SchedulerStream);
