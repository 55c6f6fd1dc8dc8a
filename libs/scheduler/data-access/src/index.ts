import { CreateSchedulerTables1764000000000 } from './lib/migrations/1764000000000-create-scheduler-tables';
import { ScheduleMisfireRecord1765000000000 } from './lib/migrations/1765000000000-schedule-misfire-record';
import { PollCursorRow } from './lib/poll-cursor.entity';
import { ScheduleRow } from './lib/schedule.entity';
import { TimerRow } from './lib/timer.entity';

export * from './lib/poll-cursor.entity';
export * from './lib/poll-cursor.repository';
export * from './lib/schedule.entity';
export * from './lib/schedule.repository';
export * from './lib/timer.entity';
export * from './lib/timer.repository';
export * from './lib/workspace-scope';

/** The scheduler database, for the service definition. */
export const SCHEDULER_ENTITIES = [ScheduleRow, TimerRow, PollCursorRow];
export const SCHEDULER_MIGRATIONS = [CreateSchedulerTables1764000000000, ScheduleMisfireRecord1765000000000];
